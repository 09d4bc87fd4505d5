/* RP2040 second-stage bootloader (boot2) for the Raspberry Pi Pico's W25Q16JV flash.
 *
 * The boot ROM copies the first 256 bytes of flash to SRAM, checks their CRC32 and runs them with
 * lr = 0. This code sets the XIP SSI up for plain serial 03h reads (works with every SPI flash;
 * no quad mode, no continuous read), then points VTOR at the vector table that follows at
 * 0x10000100, loads the stack pointer and jumps to Reset_Handler.
 * Register layout: RP2040 datasheet section 4.10 (SSI). The build pads this to 252 bytes and
 * appends the CRC32 (tools/uf2conv.py --pad-boot2). Written for attendnets.
 */
    .syntax unified
    .cpu cortex-m0plus
    .thumb

    .section .boot2, "ax"
    .global boot2_entry
    .type boot2_entry, %function
    .thumb_func
boot2_entry:
    push {lr}
    ldr r3, =0x18000000        @ XIP_SSI_BASE
    movs r1, #0
    str r1, [r3, #0x08]        @ SSIENR = 0: the SSI must be off while configured
    movs r1, #4
    str r1, [r3, #0x14]        @ BAUDR: SCK = clk_sys / 4
    ldr r1, =0x001F0300        @ CTRLR0: standard SPI, 32-bit frames (DFS_32 = 31), TMOD = EEPROM read
    str r1, [r3, #0x00]
    ldr r1, =0x03000218        @ SPI_CTRLR0: XIP command 0x03, 8-bit instruction, 24-bit address
    ldr r0, =0x180000F4
    str r1, [r0]
    movs r1, #0
    str r1, [r3, #0x04]        @ CTRLR1: one data frame per transfer
    movs r1, #1
    str r1, [r3, #0x08]        @ SSIENR = 1: execute-in-place is live
    pop {r0}
    cmp r0, #0
    beq vector_into_flash
    bx r0                      @ called by code (lr != 0): return
vector_into_flash:
    ldr r0, =0x10000100        @ vector table right after boot2
    ldr r1, =0xE000ED08        @ VTOR
    str r0, [r1]
    ldmia r0, {r0, r1}         @ initial SP, Reset_Handler
    msr msp, r0
    bx r1
    .ltorg
