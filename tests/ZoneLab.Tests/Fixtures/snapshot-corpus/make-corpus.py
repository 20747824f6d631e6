# Regenerates the hand-made corpus cases from the real snapshots (run from tests/ZoneLab.Tests/Fixtures).
import os, re
base='snapshot/x86_64-6.1-512M/s2'
arm='snapshot/arm64-6.1-768M-cma64M/s1'
def rd(p): return open(p).read()
B={f:rd(os.path.join(base,f)) for f in os.listdir(base)}
def case(name, files, expect, basedir='x86_64-6.1-512M/s2', remove=(), warn=None):
    d=os.path.join('snapshot-corpus',name); os.makedirs(d,exist_ok=True)
    for f,t in files.items():
        open(os.path.join(d,f),'w').write(t)
    with open(os.path.join(d,'case.txt'),'w') as c:
        c.write(f"base: {basedir}\n")
        for r in remove: c.write(f"remove: {r}\n")
        c.write(f"expect: {expect}\n")
        if warn: c.write(f"warn: {warn}\n")
pt=B['pagetypeinfo'].split('\n')
bi=B['buddyinfo'].split('\n')
case('pagetypeinfo-truncated', {'pagetypeinfo':'\n'.join(pt[:9])+'\n'}, "pagetypeinfo: no 'Number of blocks type' table")
cut=[i for i,l in enumerate(pt) if l.startswith('Node 0, zone      DMA ')][0]
case('pagetypeinfo-census-cut', {'pagetypeinfo':'\n'.join(pt[:cut+1])+'\n'}, "pagetypeinfo:10: node 0 zone DMA32 has free counts but no 'Number of blocks type' row (file cut short?)")
p2=pt[:]; p2[10]=p2[10].replace('   4019',' >100000',1); p2[9]=re.sub(r'(type    Unmovable)\s+7 ', r'\1 >100000 ', p2[9])
case('pagetypeinfo-two-capped', {'pagetypeinfo':'\n'.join(p2)}, "free lists over 100000 entries")
p3=pt[:]; p3[10]=p3[10].replace('   4019','   4020',1)
case('pagetypeinfo-disagrees-with-buddyinfo', {'pagetypeinfo':'\n'.join(p3)}, "OK", warn="pagetypeinfo:11: node 0 zone DMA32: the free lists differ from buddyinfo line 2 (order 0: 4027 vs 4026 blocks; read at different moments); pagetypeinfo's are reproduced")
b4=bi[:]; b4[1]=b4[1]+'     0 '
case('buddyinfo-12-orders', {'buddyinfo':'\n'.join(b4)}, "buddyinfo:2: 12 orders; expected 11")
case('buddyinfo-normal-zone', {'buddyinfo':B['buddyinfo']+'Node 0, zone   Normal      0      0      0      0      0      0      0      0      0      0      1 \n'}, "buddyinfo:3: node 0 zone Normal is not a populated zone")
p6=pt[:]; idx=[i for i,l in enumerate(p6) if l.startswith('Node 0, zone    DMA32')][0]
p6[idx]=p6[idx].replace('          215','          216')
case('pagetypeinfo-census-off', {'pagetypeinfo':'\n'.join(p6)}, f"pagetypeinfo:{idx+1}: node 0 zone DMA32: 249 pageblocks, but the zone of the boot layout has 248")
p7=[l.replace('HighAtomic','   Reserve') for l in pt]
case('pagetypeinfo-reserve', {'pagetypeinfo':'\n'.join(p7)}, "migratetype Reserve (MIGRATE_RESERVE, kernels before 4.4) is not modelled")
m=B['meminfo'].split('\n'); m[3]='Buffers 0 kB'
case('meminfo-no-colon', {'meminfo':'\n'.join(m)}, "meminfo:4: expected 'Name: value kB'")
v=B['vmstat'].split('\n'); v[2]=v[2]+' 7'
case('vmstat-three-fields', {'vmstat':'\n'.join(v)}, "vmstat:3: expected 'name value'")
case('uname-mips', {'uname-m':'mips\n'}, "uname-m:1: machine 'mips' is not modelled")
z=B['zoneinfo']; z2=z.replace('present  126944','present  127456',1)
assert z2!=z, 'present not found'
lines=z2.split('\n'); zl=[i for i,l in enumerate(lines) if l.startswith('Node 0, zone    DMA32')][0]
case('zoneinfo-other-machine', {'zoneinfo':z2}, f"zoneinfo:{zl+1}: node 0 zone DMA32: present 127456, but the boot layout has 126944")
p12=[l.replace('Page block order: 9','Page block order: 13') for l in pt]
case('pagetypeinfo-64k-pages', {'pagetypeinfo':'\n'.join(p12)}, "pagetypeinfo:1: expected 'Page block order: 9'")
b13=bi[:]; b13[1]=re.sub(r'43 $','4300 ',b13[1])
case('buddyinfo-more-free-than-managed', {'buddyinfo':'\n'.join(b13), 'pagetypeinfo':'\n'.join([l.replace('      7     43 ','      7   4300 ') for l in pt])}, "free pages but the zone manages only")
case('meminfo-nul', {'meminfo':B['meminfo'][:200]+'\0'+B['meminfo'][200:]}, "NUL byte")
case('pagetypeinfo-from-arm64', {'pagetypeinfo':rd(os.path.join(arm,'pagetypeinfo'))}, "pagetypeinfo:5: node 0 zone DMA: 77780 free pages but the zone manages only 3840")
case('no-dmesg', {}, "dmesg: missing", remove=('dmesg',))
case('arm64-no-fdt', {}, "fdt: missing; an arm64 snapshot needs the device tree", basedir='arm64-6.1-768M-cma64M/s1', remove=('fdt',))
case('buddyinfo-only', {}, "OK", remove=('pagetypeinfo',))
case('buddyinfo-only-arm64', {}, "OK", basedir='arm64-6.1-768M-cma64M/s3', remove=('pagetypeinfo',))
b20=bi[:]; b20[0]=b20[0].replace('     1 ','    1x ',1)
case('buddyinfo-not-a-number', {'buddyinfo':'\n'.join(b20)}, "buddyinfo:1: order 5: '1x' is not a count")
print(len(os.listdir('snapshot-corpus')))
