#!/usr/bin/env bash
# Write an assembler file embedding every bytecode module in DIR (*.qbc, as qjsc -b writes
# them) with .incbin, and the table native/cli/main.c looks modules up in, by file name.
set -euo pipefail
dir=$1 out=$2
{
  echo '	.section .rodata'
  i=0
  for f in "$dir"/*.qbc; do
    echo "	.balign 8"
    echo "m${i}_data: .incbin \"$f\""
    echo "m${i}_end:"
    echo "m${i}_name: .asciz \"$(basename "${f%.qbc}").js\""
    i=$((i + 1))
  done
  echo '	.section .data.rel.ro'
  echo '	.balign 8'
  echo '	.globl runts_modules'
  echo 'runts_modules:'
  for ((k = 0; k < i; k++)); do echo "	.quad m${k}_name, m${k}_data, m${k}_end"; done
  echo '	.quad 0, 0, 0'
  echo '	.section .note.GNU-stack,"",@progbits'
} > "$out"
