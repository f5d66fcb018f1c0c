; trampoline.asm - where application processors start.
;
; smp.c copies this blob (trampoline_base..trampoline_end in .rodata) to
; physical TRAMPOLINE_PHYS (below 1 MiB, 4 KiB aligned), fills in the
; parameter block at its end once, and sends INIT-SIPI-SIPI with the start
; page to every AP at about the same time.  An AP wakes in 16-bit real mode
; at CS:IP = page:0 and goes
;   real mode -> 32-bit protected mode -> (PAE, CR3, EFER.LME|NXE, PG)
;   -> 64-bit long mode -> find its logical id -> ap_entry(id) on its stack
; using the kernel page tables (which keep an identity map of low memory
; until every AP is up).  Every AP runs this code at once: nothing here
; writes memory.  Each finds its own logical id by looking its APIC id up
; in param_apic_ids[0 .. param_ncpus) (the APIC id from CPUID, not from
; the APIC, whose mode it does not know yet: leaf 0xB's 32-bit x2APIC id
; when the CPU has that leaf, else CPUID.1:EBX[31:24]), and takes its
; stack from param_stacks[id]; an AP that is not in the table, or has no
; stack, halts.  Offsets are relative to the blob; TRAMPOLINE_PHYS must
; match smp.c.

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
	xor eax, eax
	cpuid                           ; eax = the highest standard leaf
	cmp eax, 0xb
	jb .xapic_id
	mov eax, 0xb
	xor ecx, ecx
	cpuid
	test ebx, ebx                   ; leaf 0xB not implemented: ebx = 0
	jz .xapic_id
	mov r8d, edx                    ; the x2APIC id
	jmp .lookup
.xapic_id:
	mov eax, 1
	cpuid
	shr ebx, 24
	mov r8d, ebx                    ; the initial (8-bit) APIC id
.lookup:
	mov rsi, [ABS(param_apic_ids)]
	mov rcx, [ABS(param_ncpus)]
	xor edi, edi
.next:
	cmp rdi, rcx
	jae .hang                       ; not a CPU we start
	cmp [rsi + rdi * 4], r8d
	je .found
	inc rdi
	jmp .next
.found:
	mov rax, [ABS(param_stacks)]
	mov rsp, [rax + rdi * 8]
	test rsp, rsp
	jz .hang                        ; not being started
	xor ebp, ebp
	mov rax, [ABS(param_entry)]
	call rax                        ; ap_entry(rdi = logical id)
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

; Parameter block, filled in once by smp.c (see struct tramp_params).
align 8
global trampoline_params
trampoline_params:
param_cr3:      dq 0
param_efer:     dq 0
param_entry:    dq 0
param_apic_ids: dq 0                ; uint32_t[param_ncpus]: logical id -> APIC id
param_stacks:   dq 0                ; uint64_t[param_ncpus]: stack tops, 0 = not started
param_ncpus:    dq 0
