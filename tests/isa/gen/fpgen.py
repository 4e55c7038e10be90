# Generates the TEST_FP* tables of rv64f.S / rv64d.S: python3 fpgen.py s|d (run from this folder).
import sys
from fp import *
F=sys.argv[1]  # 's' or 'd'
U=F.upper()
e,m=FMT[F]
def B(x): return f2b(F,x)
one=B(1.0); ulp=2.0**-m
NEG=1<<(e+m)
MAXF=enc(F,0,(1<<e)-2,(1<<m)-1); MINN=enc(F,0,1,0); MINSUB=1
out=[]
frmcode={'rne':0,'rtz':1,'rdn':2,'rup':3,'rmm':4}
def emit_op(name, args, rms=RMS, dyn=True):
    for rm in rms:
        r,fl=op(F,name,rm,*args)
        a=", ".join(hex(x) for x in args)
        n=len(args)
        out.append(f"    TEST_FP{n}({U}, {name}.{F}, {rm}, {hex(r)}, {fl}, {a})")
        if dyn:
            out.append(f"    TEST_FP{n}_DYN({U}, {name}.{F}, {frmcode[rm]}, {hex(r)}, {fl}, {a})")
out.append("    // ---- rounding of add/sub: a tie, above half, below half, both signs ----")
for a,b in [(1.0,ulp/2),(-1.0,-ulp/2),(1.0,ulp*0.75),(1.0,ulp*0.25),(-1.0,-ulp*0.75),(1.0+ulp,ulp/2),(3.0,-ulp)]:
    emit_op('fadd',(B(a),B(b)))
emit_op('fsub',(B(1.0),B(ulp/4)))
emit_op('fsub',(B(-1.0),B(ulp*3/4)))
out.append("    // exact zero: +0 except -0 when rounding down")
emit_op('fadd',(B(1.5),B(-1.5)))
emit_op('fsub',(B(2.0),B(2.0)),dyn=False)
emit_op('fadd',(B(-0.0),B(-0.0)),dyn=False)
out.append("    // overflow: inf or max-finite depending on the mode")
emit_op('fadd',(MAXF,MAXF))
emit_op('fadd',(MAXF|NEG,MAXF|NEG),dyn=False)
emit_op('fmul',(MAXF,B(2.0)),dyn=False)
out.append("    // ---- mul ----")
emit_op('fmul',(B(1.0+ulp),B(1.0+ulp)))
emit_op('fmul',(B(-(1.0+ulp)),B(1.0+ulp)))
emit_op('fmul',(B(3.0),B(0.5)),rms=['rne'])
emit_op('fmul',(B(-0.0),B(5.0)),rms=['rne'],dyn=False)
out.append("    // underflow to subnormal (inexact) and exact subnormal")
emit_op('fmul',(MINN,B(1.0/3)))
emit_op('fmul',(MINN,B(0.5)),rms=['rne','rup'],dyn=False)
emit_op('fmul',(MINSUB,B(0.5)),dyn=False)
out.append("    // ---- div / sqrt ----")
emit_op('fdiv',(B(1.0),B(3.0)))
emit_op('fdiv',(B(-2.0),B(3.0)))
emit_op('fdiv',(B(7.0),B(2.0)),rms=['rne'],dyn=False)
emit_op('fdiv',(MINN,B(3.0)),rms=['rne','rtz'],dyn=False)
emit_op('fsqrt',(B(2.0),))
emit_op('fsqrt',(B(3.0),),dyn=False)
emit_op('fsqrt',(B(0.25),),rms=['rne'],dyn=False)
emit_op('fsqrt',(MINSUB,),rms=['rne','rup'],dyn=False)
out.append("    // ---- fused multiply-add: one rounding ----")
emit_op('fmadd',(B(1.0+ulp),B(1.0-ulp),B(-1.0)),rms=['rne','rup'])
emit_op('fmadd',(B(1.0),B(1.0),B(ulp/2)))
emit_op('fmsub',(B(1.0+ulp),B(1.0+ulp),B(1.0)))
emit_op('fnmsub',(B(1.0+ulp),B(1.0+ulp),B(1.0)))
emit_op('fnmadd',(B(1.0+ulp),B(1.0+ulp),B(1.0)))
emit_op('fnmadd',(B(2.0),B(3.0),B(-6.0)),dyn=False)
emit_op('fmadd',(B(2.0),B(3.0),B(-6.0)),dyn=False)
emit_op('fmsub',(B(2.0),B(3.0),B(6.0)),dyn=False)
emit_op('fmadd',(B(-0.0),B(1.0),B(-0.0)),rms=['rne'],dyn=False)
out.append("    // ---- conversions to integer (every mode, saturation) ----")
for kind in ['w','wu','l','lu']:
    vals=[2.5,-2.5,3.5,-0.5,0.3,-1.5,0.0,-0.3]
    if kind=='w': vals+=[2.0**31, -2.0**31, 2.0**31+(2**8 if F=='d' else 2**8)*0, -2.0**31-1 if F=='d' else -2.0**32, 1e20]
    if kind=='wu': vals+=[3e9, 2.0**32, -1.0, 4294967295.0 if F=='d' else 4294967040.0, 1e20]
    if kind=='l': vals+=[2.0**63, -2.0**63, 1e30, -1e30, 2.0**62+2.0**40]
    if kind=='lu': vals+=[2.0**64, 1.8e19, -1.0, 2.0**63, 1e30]
    for x in vals:
        for rm in (RMS if x in(2.5,-2.5,-0.5,0.3,-0.3,-1.5,3.5) else ['rne','rtz']):
            r,fl=cvt_to_int(F,B(x),kind,rm)
            if kind in('w','wu'): r=(r&0xffffffff); r = r|0xffffffff00000000 if r>>31 else r  # sign-extended
            out.append(f"    TEST_FP_TOINT({U}, fcvt.{kind}.{F}, {rm}, {hex(r & (2**64-1))}, {fl}, {hex(B(x))})")
        if x==2.5 or x==-1.5:
            for rm in RMS:
                r,fl=cvt_to_int(F,B(x),kind,rm)
                if kind in('w','wu'): r=(r&0xffffffff); r = r|0xffffffff00000000 if r>>31 else r
                out.append(f"    TEST_FP_TOINT_DYN({U}, fcvt.{kind}.{F}, {frmcode[rm]}, {hex(r & (2**64-1))}, {fl}, {hex(B(x))})")
out.append("    // ---- conversions from integer ----")
M64=2**64-1
def from_int(kind,i):
    return {'w':lambda i:((i&0xffffffff)^0x80000000)-0x80000000,'wu':lambda i:i&0xffffffff,'l':lambda i:((i&M64)^2**63)-2**63,'lu':lambda i:i&M64}[kind](i)
big=[2**24+1, 2**24+3, -(2**24+1)] if F=='s' else [2**53+1, 2**53+3, -(2**53+1)]
for kind in ['w','wu','l','lu']:
    for i in [0,1,-1,2**31-1,-2**31]+big+[2**63+2**40+1, M64]:
        v=from_int(kind,i)
        rms = RMS if v not in(0,1) else ['rne']
        for rm in rms:
            r,fl=rnd(F,Fr(v),rm)
            out.append(f"    TEST_FP_FROMINT({U}, fcvt.{F}.{kind}, {rm}, {hex(r)}, {fl}, {hex(i & M64)})")
print("\n".join(out))
