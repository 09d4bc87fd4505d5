// an_requantize (an_dot.h) == an_multiply_by_quantized_multiplier (an_common.h, TFLM's
// MultiplyByQuantizedMultiplier) on edge values, exact rounding halves and random values.
// Exits non-zero on any difference.  Built and run by tests/test_compiled_conv.py.
#include <stdio.h>
#include "an_dot.h"
static uint64_t st = 88172645463325252ull;
static uint32_t rnd(void){ st ^= st << 13; st ^= st >> 7; st ^= st << 17; return (uint32_t)st; }
int main(void){
  const int32_t edge[] = {0,1,-1,2,-2,3,-3,INT32_MAX,INT32_MIN,INT32_MAX-1,INT32_MIN+1,1<<30,-(1<<30),(1<<30)+1,-(1<<30)-1,(1<<30)-1,1<<15,-(1<<15),1<<24,-(1<<24),12345,-12345};
  const int32_t medge[] = {0,1,2,1<<30,(1<<30)+1,INT32_MAX,INT32_MAX-1,1073741823,1518500250,2000000000};
  long n=0, bad=0;
  for (int s=-31;s<=31;++s) for (unsigned i=0;i<sizeof edge/4;++i) for (unsigned j=0;j<sizeof medge/4;++j){
    for (int d=-2; d<=2; ++d){ int32_t a=(int32_t)((uint32_t)edge[i]+(uint32_t)d); 
      int32_t r1=an_multiply_by_quantized_multiplier(a,medge[j],s), r2=an_requantize(a,medge[j],s); n++; if(r1!=r2){ if(bad<10) printf("a=%d m=%d s=%d %d %d\n",a,medge[j],s,r1,r2); bad++;}}
  }
  for (long k=0;k<3000000;++k){ int32_t a=(int32_t)rnd(); if(k&1) a >>= (rnd()%31); int32_t m=(int32_t)(rnd()>>1); int s=(int)(rnd()%63)-31;
    int32_t r1=an_multiply_by_quantized_multiplier(a,m,s), r2=an_requantize(a,m,s); n++; if(r1!=r2){ if(bad<10) printf("a=%d m=%d s=%d %d %d\n",a,m,s,r1,r2); bad++;}}
  /* exact halves: choose a = k * 2^(e) +- 2^(e-1) after srdhm with m=2^30 (x*m/2^31 = x/2) */
  for (int e=1;e<=31;++e) for (long k=-3000;k<=3000;++k){ int64_t h=(int64_t)k*((int64_t)1<<e)/2; for(int d=-1;d<=1;++d){ int64_t a64=h*2+d; if(a64<INT32_MIN||a64>INT32_MAX) continue; int32_t a=(int32_t)a64;
      int32_t r1=an_multiply_by_quantized_multiplier(a,1<<30,-e), r2=an_requantize(a,1<<30,-e); n++; if(r1!=r2){ if(bad<10) printf("half a=%d e=%d %d %d\n",a,e,r1,r2); bad++;}}}
  printf("%ld compared, %ld differ\n", n, bad); return bad != 0;
}
