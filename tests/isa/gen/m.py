# Generates the TEST_RR lines of rv64m.S (own reference semantics of the M extension).
M=2**64-1
def s64(x): x&=M; return x-2**64 if x>>63 else x
def s32(x): x&=0xffffffff; return x-2**32 if x>>31 else x
def u(x): return x&M
def sext32(x): return u(s32(x))
def trunc_div(a,b):
    q=abs(a)//abs(b)
    return q if (a<0)==(b<0) else -q
ops={}
ops['mul']=lambda a,b: u(a*b)
ops['mulh']=lambda a,b: u((s64(a)*s64(b))>>64)
ops['mulhu']=lambda a,b: u((u(a)*u(b))>>64)
ops['mulhsu']=lambda a,b: u((s64(a)*u(b))>>64)
def div(a,b):
    a,b=s64(a),s64(b)
    if b==0: return M
    if a==-2**63 and b==-1: return u(a)
    return u(trunc_div(a,b))
def divu(a,b):
    a,b=u(a),u(b)
    return M if b==0 else a//b
def rem(a,b):
    a,b=s64(a),s64(b)
    if b==0: return u(a)
    if a==-2**63 and b==-1: return 0
    return u(a-trunc_div(a,b)*b)
def remu(a,b):
    a,b=u(a),u(b)
    return a if b==0 else a%b
def w(f32):
    return f32
def divw(a,b):
    a,b=s32(a),s32(b)
    if b==0: return M
    if a==-2**31 and b==-1: return sext32(a)
    return sext32(trunc_div(a,b))
def divuw(a,b):
    a,b=a&0xffffffff,b&0xffffffff
    return M if b==0 else sext32(a//b)
def remw(a,b):
    a,b=s32(a),s32(b)
    if b==0: return sext32(a)
    if a==-2**31 and b==-1: return 0
    return sext32(a-trunc_div(a,b)*b)
def remuw(a,b):
    a,b=a&0xffffffff,b&0xffffffff
    return sext32(a) if b==0 else sext32(a%b)
ops.update(div=div,divu=divu,rem=rem,remu=remu,divw=divw,divuw=divuw,remw=remw,remuw=remuw)
ops['mulw']=lambda a,b: sext32(a*b)
vals=[0,1,-1,2,-2,3,7,-7,0x7fffffffffffffff,0x8000000000000000,0xffffffff,0x80000000,0x7fffffff,0xffffffff80000000,0x123456789abcdef0,0xfedcba9876543210, 0x100000001, 0xdeadbeef]
import itertools
pairs={
 'mul':[(3,7),(-1,-1),(0x7fffffffffffffff,2),(0x123456789abcdef0,0xfedcba9876543210),(0x8000000000000000,-1),(0xffffffff,0xffffffff)],
 'mulh':[(-1,-1),(0x8000000000000000,0x8000000000000000),(0x8000000000000000,1),(0x7fffffffffffffff,0x7fffffffffffffff),(0x123456789abcdef0,0xfedcba9876543210),(-2,3)],
 'mulhu':[(-1,-1),(0x8000000000000000,2),(0x123456789abcdef0,0xfedcba9876543210),(-2,3),(1,1)],
 'mulhsu':[(-1,-1),(-1,1),(0x8000000000000000,-1),(0x7fffffffffffffff,-1),(0x123456789abcdef0,0xfedcba9876543210),(-2,3)],
 'mulw':[(3,7),(0x7fffffff,2),(0x10000,0x10000),(0xffffffff00000003,0x1000000005),(-1,-1),(0x80000000,-1)],
 'div':[(20,6),(-20,6),(20,-6),(-20,-6),(7,0),(-7,0),(0,0),(0x8000000000000000,-1),(0x8000000000000000,1),(0x8000000000000000,2)],
 'divu':[(20,6),(-20,6),(7,0),(0,0),(0x8000000000000000,-1),(-1,1),(-1,2)],
 'rem':[(20,6),(-20,6),(20,-6),(-20,-6),(7,0),(-7,0),(0x8000000000000000,-1),(0x8000000000000000,3)],
 'remu':[(20,6),(-20,6),(7,0),(-1,0),(0x8000000000000000,-1),(-1,10)],
 'divw':[(20,6),(-20,6),(20,-6),(7,0),(0x80000000,-1),(0xffffffff80000000,-1),(0x100000014,6),(0x7fffffff,-1),(0xaaaaaaaa00000009,0x5555555500000003)],
 'divuw':[(20,6),(0xffffffec,6),(7,0),(0x80000000,1),(0xffffffff,1),(0x1ffffffff,0x100000001),(0,0)],
 'remw':[(20,6),(-20,6),(20,-6),(7,0),(0xffffffff80000000,-1),(0x80000000,-1),(0x80000000,0),(0x7fffffff00000005,3)],
 'remuw':[(20,6),(0xffffffec,6),(7,0),(0x80000007,0),(0xffffffff,0x10),(0x1ffffffff,0x3)],
}
for op,ps in pairs.items():
    for a,b in ps:
        print(f"    TEST_RR({op}, {hex(ops[op](a,b))}, {hex(u(a))}, {hex(u(b))})")
