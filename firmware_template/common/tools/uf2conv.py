#!/usr/bin/env python3
"""UF2 files and RP2040 boot2 padding, standard library only.

  uf2conv.py --base 0x10000000 --family rp2040 app.bin app.uf2
  uf2conv.py --pad-boot2 boot2_raw.bin boot2.S

UF2 (https://github.com/microsoft/uf2): the image cut into 256-byte payloads, each in a
512-byte block: magic 0x0A324655, 0x9E5D5157, flags (0x2000 = family ID present), target
address, payload size, block number, block count, family ID, 476 data bytes, magic 0x0AB16F30.
A board in bootloader mode (the Pico with BOOTSEL held) shows up as a USB drive; copying the
.uf2 onto it flashes the image.

boot2: the RP2040 boot ROM runs the first 256 bytes of flash only if their last 4 bytes are the
CRC32 (polynomial 0x04C11DB7, initial value 0xFFFFFFFF, not reflected, no final XOR; the
CRC-32/MPEG-2 variant) of the first 252, stored little-endian.
"""

import argparse
import struct
import sys

UF2_MAGIC_START0 = 0x0A324655
UF2_MAGIC_START1 = 0x9E5D5157
UF2_MAGIC_END = 0x0AB16F30
UF2_FLAG_FAMILY_ID_PRESENT = 0x00002000
UF2_PAYLOAD_BYTES = 256
FAMILIES = {"rp2040": 0xE48BFF56}
BOOT2_BYTES = 256


def crc32_mpeg2(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    return crc


def bin_to_uf2(image: bytes, base_address: int, family_id: int) -> bytes:
    """UF2 blocks for ``image`` loaded at ``base_address``."""
    if base_address % UF2_PAYLOAD_BYTES:
        raise ValueError(f"base address 0x{base_address:08x} is not {UF2_PAYLOAD_BYTES}-byte aligned")
    count = (len(image) + UF2_PAYLOAD_BYTES - 1) // UF2_PAYLOAD_BYTES
    blocks = []
    for number in range(count):
        payload = image[number * UF2_PAYLOAD_BYTES:(number + 1) * UF2_PAYLOAD_BYTES]
        payload = payload + bytes(UF2_PAYLOAD_BYTES - len(payload))
        header = struct.pack("<8I", UF2_MAGIC_START0, UF2_MAGIC_START1, UF2_FLAG_FAMILY_ID_PRESENT,
                             base_address + number * UF2_PAYLOAD_BYTES, UF2_PAYLOAD_BYTES, number, count, family_id)
        block = header + payload + bytes(476 - UF2_PAYLOAD_BYTES) + struct.pack("<I", UF2_MAGIC_END)
        assert len(block) == 512
        blocks.append(block)
    return b"".join(blocks)


def pad_boot2(code: bytes) -> bytes:
    """``code`` padded to 252 bytes plus its CRC32: the 256 bytes the boot ROM accepts."""
    if len(code) > BOOT2_BYTES - 4:
        raise ValueError(f"boot2 is {len(code)} bytes; at most {BOOT2_BYTES - 4} fit")
    padded = code + bytes(BOOT2_BYTES - 4 - len(code))
    return padded + struct.pack("<I", crc32_mpeg2(padded))


def boot2_assembly(boot2: bytes) -> str:
    lines = ["/* boot2 padded to 252 bytes + CRC32, made by tools/uf2conv.py --pad-boot2 */",
             '    .section .boot2, "ax"']
    for i in range(0, len(boot2), 16):
        lines.append("    .byte " + ", ".join(f"0x{b:02x}" for b in boot2[i:i + 16]))
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--base", type=lambda s: int(s, 0), help="load address of the binary (UF2 mode)")
    parser.add_argument("--family", default="rp2040", choices=sorted(FAMILIES))
    parser.add_argument("--pad-boot2", action="store_true", help="write boot2.S from a raw boot2 binary")
    args = parser.parse_args(argv)
    with open(args.input, "rb") as f:
        data = f.read()
    try:
        if args.pad_boot2:
            with open(args.output, "w") as f:
                f.write(boot2_assembly(pad_boot2(data)))
        else:
            if args.base is None:
                parser.error("--base is required to make a UF2")
            with open(args.output, "wb") as f:
                f.write(bin_to_uf2(data, args.base, FAMILIES[args.family]))
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
