#!/usr/bin/env bash
# The baseline of tests/bench/mach_probe.cpp: test modules run the way GNU Mach's own test
# harness runs them, written here from what is known of it (no line of it is copied): for each
# module, a GRUB rescue ISO of its own (`echo booting-start-of-test`, `multiboot` with
# console=com0, the module with the boot script's ports), QEMU with -m 2047 -nographic
# -no-reboot under `timeout`, the console kept, then `grep` for the success line; one at a time.
# Usage: gnumach_test_loop.sh KERNEL WORKDIR MODULE...   (prints "pass NAME" or "FAIL NAME")
set -u
kernel=$1 work=$2
shift 2
mkdir -p "$work"
status=0
for module in "$@"; do
  name=$(basename "$module")
  tree=$work/$name.tree
  rm -rf "$tree"
  mkdir -p "$tree/boot/grub"
  cp "$kernel" "$tree/boot/gnumach"
  cp "$module" "$tree/boot/$name"
  cat >"$tree/boot/grub/grub.cfg" <<CFG
serial --unit=0 --speed=115200
terminal_input serial
terminal_output serial
set timeout=0
menuentry '$name' {
  echo booting-start-of-test
  multiboot /boot/gnumach console=com0
  module /boot/$name $name '\${host-port}' '\${device-port}' '\$(task-create)' '\$(task-resume)'
}
CFG
  grub-mkrescue -o "$work/$name.iso" "$tree" >/dev/null 2>&1
  timeout 120 qemu-system-x86_64 -accel tcg -m 2047 -nographic -no-reboot \
    -cdrom "$work/$name.iso" -serial stdio -monitor none </dev/null >"$work/$name.log" 2>&1
  if grep -q 'gnumach-test-success-and-reboot' "$work/$name.log"; then
    echo "pass $name"
  else
    echo "FAIL $name"
    status=1
  fi
done
exit $status
