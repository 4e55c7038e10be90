# Generates the fixed NaN/inf/min/max/compare/fclass checks of rv64f.S / rv64d.S: python3 fpspec.py s|d
import sys
from fp import *
F=sys.argv[1]; U=F.upper(); e,m=FMT[F]
NEG=1<<(e+m)
def B(x): return f2b(F,x)
INF=enc(F,0,(1<<e)-1,0); NINF=INF|NEG
QNAN=enc(F,0,(1<<e)-1,1<<(m-1)); SNAN=enc(F,0,(1<<e)-1,1); QNANP=QNAN|0x12345; NQNAN=QNAN|NEG; SNANN=SNAN|NEG
Z=0; NZ=NEG; ONE=B(1.0); NONE=B(-1.0); TWO=B(2.0); NTWO=B(-2.0)
SUB=enc(F,0,0,5); NSUB=SUB|NEG; NORM=B(3.0)
o=[]
def T(s): o.append("    "+s)
h=hex
o.append("    // ---- NaN, infinity, division by zero ----")
T(f"TEST_FP2({U}, fadd.{F}, rne, {h(QNAN)}, 0, {h(QNANP)}, {h(ONE)}) // payload not propagated")
T(f"TEST_FP2({U}, fadd.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(SNAN)}, {h(ONE)})")
T(f"TEST_FP2({U}, fsub.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(ONE)}, {h(SNANN)})")
T(f"TEST_FP2({U}, fadd.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(INF)}, {h(NINF)})")
T(f"TEST_FP2({U}, fsub.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(INF)}, {h(INF)})")
T(f"TEST_FP2({U}, fadd.{F}, rne, {h(INF)}, 0, {h(INF)}, {h(ONE)})")
T(f"TEST_FP2({U}, fmul.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(Z)}, {h(NINF)})")
T(f"TEST_FP2({U}, fmul.{F}, rne, {h(NINF)}, 0, {h(TWO)}, {h(NINF)})")
T(f"TEST_FP2({U}, fdiv.{F}, rne, {h(INF)}, FFLAG_DZ, {h(ONE)}, {h(Z)})")
T(f"TEST_FP2({U}, fdiv.{F}, rne, {h(NINF)}, FFLAG_DZ, {h(ONE)}, {h(NZ)})")
T(f"TEST_FP2({U}, fdiv.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(Z)}, {h(Z)})")
T(f"TEST_FP2({U}, fdiv.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(INF)}, {h(NINF)})")
T(f"TEST_FP2({U}, fdiv.{F}, rne, {h(NZ)}, 0, {h(ONE)}, {h(NINF)})")
T(f"TEST_FP2({U}, fdiv.{F}, rne, {h(INF)}, 0, {h(INF)}, {h(Z)}) // inf / 0 is exact inf, no DZ")
T(f"TEST_FP1({U}, fsqrt.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(NONE)})")
T(f"TEST_FP1({U}, fsqrt.{F}, rne, {h(NZ)}, 0, {h(NZ)})")
T(f"TEST_FP1({U}, fsqrt.{F}, rne, {h(INF)}, 0, {h(INF)})")
T(f"TEST_FP1({U}, fsqrt.{F}, rne, {h(QNAN)}, 0, {h(NQNAN)})")
T(f"TEST_FP1({U}, fsqrt.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(SNAN)})")
T(f"TEST_FP3({U}, fmadd.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(INF)}, {h(Z)}, {h(QNANP)}) // inf*0 is invalid even with a qNaN addend")
T(f"TEST_FP3({U}, fmadd.{F}, rne, {h(QNAN)}, 0, {h(ONE)}, {h(TWO)}, {h(QNANP)})")
T(f"TEST_FP3({U}, fmadd.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(ONE)}, {h(INF)}, {h(NINF)})")
T(f"TEST_FP3({U}, fnmadd.{F}, rne, {h(NINF)}, 0, {h(ONE)}, {h(INF)}, {h(ONE)})")
T(f"TEST_FP3({U}, fmsub.{F}, rne, {h(QNAN)}, FFLAG_NV, {h(SNAN)}, {h(ONE)}, {h(ONE)})")
o.append("    // ---- fmin / fmax: signed zeros, NaN operands ----")
for ins,a,b,r,fl in [("fmin",NZ,Z,NZ,0),("fmin",Z,NZ,NZ,0),("fmax",NZ,Z,Z,0),("fmax",Z,NZ,Z,0),
    ("fmin",QNANP,ONE,ONE,0),("fmin",ONE,QNANP,ONE,0),("fmax",QNAN,NTWO,NTWO,0),("fmin",SNAN,ONE,ONE,"FFLAG_NV"),
    ("fmax",TWO,SNANN,TWO,"FFLAG_NV"),("fmin",QNANP,QNAN,QNAN,0),("fmax",SNAN,QNANP,QNAN,"FFLAG_NV"),
    ("fmin",ONE,TWO,ONE,0),("fmax",ONE,TWO,TWO,0),("fmin",NINF,NTWO,NINF,0),("fmax",NONE,NTWO,NONE,0),("fmax",NSUB,SUB,SUB,0)]:
    T(f"TEST_FP2_NORM({U}, {ins}.{F}, {h(r)}, {fl}, {h(a)}, {h(b)})")
o.append("    // ---- sign injection: bit operations, NaN payloads kept, no flags ----")
for ins,a,b,r in [("fsgnj",ONE,NTWO,NONE),("fsgnj",NONE,TWO,ONE),("fsgnjn",ONE,NTWO,ONE),("fsgnjn",ONE,TWO,NONE),
    ("fsgnjx",NONE,NTWO,ONE),("fsgnjx",NONE,TWO,NONE),("fsgnj",SNAN,NONE,SNANN),("fsgnjn",QNANP,QNANP,QNANP|NEG),("fsgnjx",INF,NZ,NINF)]:
    T(f"TEST_FP2_NORM({U}, {ins}.{F}, {h(r)}, 0, {h(a)}, {h(b)})")
o.append("    // ---- compares: feq is quiet, flt/fle signal on any NaN ----")
for ins,a,b,r,fl in [("feq",ONE,ONE,1,0),("feq",ONE,TWO,0,0),("feq",QNAN,ONE,0,0),("feq",QNAN,QNAN,0,0),("feq",SNAN,ONE,0,"FFLAG_NV"),
    ("feq",Z,NZ,1,0),("flt",NZ,Z,0,0),("fle",NZ,Z,1,0),("flt",NINF,INF,1,0),("fle",TWO,ONE,0,0),("flt",ONE,TWO,1,0),
    ("flt",QNAN,ONE,0,"FFLAG_NV"),("fle",ONE,QNAN,0,"FFLAG_NV"),("fle",SNAN,SNAN,0,"FFLAG_NV"),("flt",NTWO,NONE,1,0),("fle",NSUB,SUB,1,0)]:
    T(f"TEST_FP_CMP({U}, {ins}.{F}, {r}, {fl}, {h(a)}, {h(b)})")
o.append("    // ---- fclass ----")
for v,bit in [(NINF,0),(NONE,1),(NSUB,2),(NZ,3),(Z,4),(SUB,5),(NORM,6),(INF,7),(SNAN,8),(QNAN,9),(QNANP|NEG,9),(SNANN,8)]:
    T(f"TEST_FP_CLASS({U}, fclass.{F}, {1<<bit}, {h(v)})")
o.append("    // ---- conversions of NaN / infinity to integer ----")
for kind,nanv,ninfv in [("w",0x7fffffff,0xffffffff80000000),("wu",0xffffffffffffffff,0),("l",0x7fffffffffffffff,0x8000000000000000),("lu",0xffffffffffffffff,0)]:
    T(f"TEST_FP_TOINT({U}, fcvt.{kind}.{F}, rtz, {h(nanv)}, FFLAG_NV, {h(QNAN)})")
    T(f"TEST_FP_TOINT({U}, fcvt.{kind}.{F}, rtz, {h(nanv)}, FFLAG_NV, {h(NQNAN)}) // negative NaN -> max too")
    T(f"TEST_FP_TOINT({U}, fcvt.{kind}.{F}, rtz, {h(nanv)}, FFLAG_NV, {h(SNAN)})")
    T(f"TEST_FP_TOINT({U}, fcvt.{kind}.{F}, rtz, {h(nanv)}, FFLAG_NV, {h(INF)})")
    T(f"TEST_FP_TOINT({U}, fcvt.{kind}.{F}, rtz, {h(ninfv)}, FFLAG_NV, {h(NINF)})")
print("\n".join(o))
