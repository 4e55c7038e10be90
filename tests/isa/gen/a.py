# Generates the TEST_AMO_* lines of rv64a.S (own reference semantics of the AMOs).
M=2**64-1
def s64(x): x&=M; return x-2**64 if x>>63 else x
def s32(x): x&=0xffffffff; return x-2**32 if x>>31 else x
ops={'amoswap':lambda m,v,s,b:v,'amoadd':lambda m,v,s,b:m+v,'amoxor':lambda m,v,s,b:m^v,'amoand':lambda m,v,s,b:m&v,'amoor':lambda m,v,s,b:m|v,
'amomin':lambda m,v,s,b: m if s(m)<=s(v) else v,'amomax':lambda m,v,s,b: m if s(m)>=s(v) else v,
'amominu':lambda m,v,s,b: m if (m&b)<=(v&b) else v,'amomaxu':lambda m,v,s,b: m if (m&b)>=(v&b) else v}
cases=[(0x80000000fffffff0,0x0000000100000020),(0x7fffffff00000001,0x80000000ffffffff),(0x0123456789abcdef,0xfedcba9876543210)]
out=[]
for op,f in ops.items():
    for mem,val in cases:
        # .d
        new=f(mem,val,s64,M)&M
        out.append(f"    TEST_AMO_D({op}.d, {hex(mem)}, {hex(val)}, {hex(new)})")
        # .w on low word; upper neighbour word untouched
        m32=mem&0xffffffff; v=val  # rs2 full 64 bits: only low 32 used
        new32=f(m32,val&0xffffffff,s32,0xffffffff)&0xffffffff
        old_sext=(s32(m32))&M
        out.append(f"    TEST_AMO_W({op}.w, {hex(mem)}, {hex(val)}, {hex(old_sext)}, {hex((mem & ~0xffffffff & M) | new32)})")
print("\n".join(out))
