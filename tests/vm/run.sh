#!/bin/bash
# Runs namespace test scripts inside Debian's own kernel (linux-image-amd64) under
# qemu-system-x86_64, for what this host's kernel lacks (bridge VLAN filtering, 802.1Q, bonds...).
#
#   tests/vm/run.sh [TEST.sh ...]     default: every tests/netns/t_*.sh marked "# runs-in: ... vm"
#
# The guest boots a small busybox initramfs, mounts the host's root file system read-only over
# 9p, gives it a writable /run (also TMPDIR) and chroots into it, so the tests run the host's
# freshly built sdnd and its ip, bridge and python3, unchanged. One boot runs the whole group;
# the result comes back through the serial console. Environment: SDND (the binary, default
# build/sdnd), VM_MEM (MiB, default 2048), VM_TIMEOUT (seconds, default 1200).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"

bash scripts/deps.sh qemu-system-x86 linux-image-amd64 busybox-static cpio kmod tcpdump
kver=$(ls /lib/modules | grep -E -- '-amd64$' | sort -V | tail -n 1)
kernel=/boot/vmlinuz-$kver
[ -r "$kernel" ] || { echo "tests/vm/run.sh: no Debian kernel image found ($kernel)" >&2; exit 1; }

if [ $# -eq 0 ]; then
	set -- $(grep -l -E '^# runs-in:.*\<vm\>' tests/netns/t_*.sh 2>/dev/null || true)
	if [ $# -eq 0 ]; then echo "vm: 0 passed, 0 failed (no test is marked for the VM kernel)"; exit 0; fi
fi
tests=()
for t in "$@"; do tests+=("$(cd "$(dirname "$t")" && pwd)/$(basename "$t")"); done
sdnd=${SDND:-$repo/build/sdnd}

work=$(mktemp -d /tmp/sdnd-vm.XXXXXX)
trap 'rm -rf "$work"' EXIT
root=$work/initramfs
mkdir -p "$root"/{bin,dev,proc,sys,host,mods}
cp /bin/busybox "$root/bin/busybox"
# The modules the guest needs to reach the host's root, in load order; everything else it loads
# from there.
for m in virtio_pci 9pnet_virtio 9p; do
	modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
done | awk '!seen[$0]++' | while read -r f; do
	n=$(basename "${f%.xz}")
	case $f in *.xz) xz -dc "$f" >"$root/mods/$n" ;; *) cp "$f" "$root/mods/$n" ;; esac
	echo "$n" >>"$root/mods/order"
done
{
	printf 'export SDND=%q\n' "$sdnd"
	printf 'cd %q\n' "$repo"
	printf 'exec bash tests/vm/guest.sh'
	printf ' %q' "${tests[@]}"
	printf '\n'
} >"$root/cmd"
cat >"$root/init" <<'INIT'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in $(cat /mods/order); do
	insmod /mods/$m
done
rc=1
if mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /host; then
	mount -t tmpfs -o mode=755 run /host/run
	mount -t proc proc /host/proc
	mount -t sysfs sys /host/sys
	mount -t devtmpfs dev /host/dev
	mkdir -p /host/dev/pts /host/dev/shm /host/run/netns /host/run/tmp
	mount -t devpts devpts /host/dev/pts
	mount -t tmpfs shm /host/dev/shm
	chmod 1777 /host/run/tmp
	cp /cmd /host/run/sdnd-vm-cmd
	chroot /host /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/run/tmp \
		TMPDIR=/run/tmp SDND_IN_VM=1 /bin/bash /run/sdnd-vm-cmd
	rc=$?
else
	echo "vm: cannot mount the host's root over 9p"
	dmesg | tail -n 20
fi
echo "SDND-VM-EXIT=$rc"
poweroff -f
INIT
chmod +x "$root/init"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

accel=tcg
[ -w /dev/kvm ] && accel=kvm
echo "vm: booting $kernel ($accel) for ${#tests[@]} test(s)"
timeout "${VM_TIMEOUT:-1200}" qemu-system-x86_64 -machine q35,accel=$accel -cpu max -smp 2 \
	-m "${VM_MEM:-2048}" -nographic -no-reboot -kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 quiet loglevel=3" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	</dev/null | tee "$work/console.log" | tr -d '\r' | sed 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/\x1bc//g' |
	grep -v -E '^SDND-VM-EXIT=|^(SeaBIOS|iPXE|Press Ctrl-B|Booting from ROM)|reboot: Power down|^ *$' || true
rc=$(tr -d '\r' <"$work/console.log" | sed -n 's/^SDND-VM-EXIT=\([0-9]*\).*/\1/p' | tail -n 1)
if [ -z "$rc" ]; then
	echo "vm: the guest did not report a result (crash or timeout)"
	exit 1
fi
exit "$rc"
