; trampoline.asm - where application processors start.
;
; smp.c copies this blob (trampoline_base..trampoline_end in .rodata) to
; physical TRAMPOLINE_PHYS (below 1 MiB, 4 KiB aligned), fills in the
; parameter block at its end, and sends INIT-SIPI-SIPI with the start page.
; The AP wakes in 16-bit real mode at CS:IP = page:0 and goes
;   real mode -> 32-bit protected mode -> (PAE, CR3, EFER.LME|NXE, PG)
;   -> 64-bit long mode -> jump to ap_entry(cpu) on its own stack
; using the kernel page tables (which keep an identity map of low memory
; until every AP is up).  Offsets are relative to the blob; TRAMPOLINE_PHYS
; must match smp.c.

TRAMPOLINE_PHYS equ 0x8000
%define ABS(x) (TRAMPOLINE_PHYS + (x) - trampoline_base)

section .trampoline progbits alloc noexec nowrite align=16
bits 16
global trampoline_base
trampoline_base:
	cli
	cld
	xor ax, ax
	mov ds, ax
	mov es, ax
	mov ss, ax
	lgdt [ABS(tramp_gdt_ptr)]
	mov eax, cr0
	or eax, 1
	mov cr0, eax
	jmp dword 0x08:ABS(tramp32)

bits 32
tramp32:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov eax, cr4
	or eax, 1 << 5                  ; PAE
	mov cr4, eax
	mov eax, [ABS(param_cr3)]
	mov cr3, eax
	mov ecx, 0xc0000080             ; EFER
	rdmsr
	or eax, [ABS(param_efer)]       ; LME, and NXE when the BSP uses NX
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16)   ; PG, WP
	mov cr0, eax
	jmp 0x18:ABS(tramp64)

bits 64
tramp64:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	mov rsp, [ABS(param_stack)]
	xor ebp, ebp
	mov rdi, [ABS(param_cpu)]
	mov rax, [ABS(param_entry)]
	call rax
.hang:
	cli
	hlt
	jmp .hang

align 16
tramp_gdt:
	dq 0
	dq 0x00cf9a000000ffff           ; 0x08: 32-bit code
	dq 0x00cf92000000ffff           ; 0x10: data
	dq 0x00af9a000000ffff           ; 0x18: 64-bit code
tramp_gdt_end:
tramp_gdt_ptr:
	dw tramp_gdt_end - tramp_gdt - 1
	dd ABS(tramp_gdt)

; Parameter block, filled in by smp.c for each AP (see struct tramp_params).
align 8
global trampoline_params
trampoline_params:
param_cr3:   dq 0
param_efer:  dq 0
param_stack: dq 0
param_entry: dq 0
param_cpu:   dq 0
