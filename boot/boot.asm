; boot.asm - multiboot2 header and the boot CPU's path from GRUB's 32-bit
; protected mode into 64-bit long mode in the higher half.
;
; GRUB enters _start32 with paging off, EAX = multiboot2 magic and EBX = the
; physical address of the boot information.  We:
;   1. check that the CPU can do long mode (else print on COM1 and halt),
;   2. build boot page tables: identity 0..4 GiB (for this code and the AP
;      trampoline), the same 4 GiB at the direct map (0xffff888000000000)
;      and the first 1 GiB at the kernel image base (0xffffffff80000000),
;      all with 2 MiB pages,
;   3. enable PAE, EFER.LME (and NXE when the CPU has it), paging and WP,
;   4. far-jump to 64-bit code, move to the higher-half stack, call kmain.
; kernel/main.c then builds the real page tables (paging.c) and drops these.

KERNEL_VMA      equ 0xffffffff80000000
MB2_MAGIC       equ 0xe85250d6
MB2_ARCH_I386   equ 0

section .multiboot2 progbits alloc noexec nowrite align=8
mb2_header:
	dd MB2_MAGIC
	dd MB2_ARCH_I386
	dd mb2_header_end - mb2_header
	dd -(MB2_MAGIC + MB2_ARCH_I386 + (mb2_header_end - mb2_header))
	; entry address tag: the physical address GRUB jumps to
	align 8
	dw 3, 0
	dd 12
	dd _start32 - KERNEL_VMA
	; module alignment tag: modules (the initramfs) page-aligned
	align 8
	dw 6, 0
	dd 8
	; framebuffer tag, optional (flags bit 0): a linear 32 bpp framebuffer,
	; 1024x768 preferred; GRUB may give another size, text mode or none
	; (kernel/tty/fbcon.c copes with each; docs/boot.md "The screen console")
	align 8
	dw 5, 1
	dd 20
	dd 1024, 768, 32
	; end tag
	align 8
	dw 0, 0
	dd 8
mb2_header_end:

section .boot.text progbits alloc exec nowrite align=16
bits 32
global _start32
_start32:
	cli
	cld
	mov esi, eax                    ; multiboot2 magic
	mov edi, ebx                    ; boot information (physical)
	mov esp, boot_stack_top - KERNEL_VMA

	; Long mode available?  CPUID 0x80000001 EDX bit 29.
	mov eax, 0x80000000
	cpuid
	cmp eax, 0x80000001
	jb .no_long_mode
	mov eax, 0x80000001
	cpuid
	test edx, 1 << 29
	jz .no_long_mode
	mov ebp, edx                    ; remember bit 20 (NX)

	; Zero the boot page tables (they are in .bss which GRUB zeroed, but a
	; warm restart through GRUB need not have).
	push edi                        ; boot information
	mov edi, boot_pml4 - KERNEL_VMA
	mov ecx, (boot_pt_end - boot_pml4) / 4
	xor eax, eax
	rep stosd
	pop edi

	; PML4[0] and PML4[273] -> boot_pdpt_low (0..4 GiB); PML4[511] -> boot_pdpt_high
	mov eax, boot_pdpt_low - KERNEL_VMA
	or eax, 3
	mov [boot_pml4 - KERNEL_VMA + 0 * 8], eax
	mov [boot_pml4 - KERNEL_VMA + 273 * 8], eax
	mov eax, boot_pdpt_high - KERNEL_VMA
	or eax, 3
	mov [boot_pml4 - KERNEL_VMA + 511 * 8], eax
	; boot_pdpt_low[0..3] -> boot_pd[0..3]; boot_pdpt_high[510] -> boot_pd[0]
	mov ecx, 0
.fill_pdpt:
	mov eax, ecx
	shl eax, 12
	add eax, boot_pd - KERNEL_VMA
	or eax, 3
	mov [boot_pdpt_low - KERNEL_VMA + ecx * 8], eax
	inc ecx
	cmp ecx, 4
	jb .fill_pdpt
	mov eax, boot_pd - KERNEL_VMA
	or eax, 3
	mov [boot_pdpt_high - KERNEL_VMA + 510 * 8], eax
	; boot_pd: 2048 entries of 2 MiB pages covering 0..4 GiB
	mov ecx, 0
.fill_pd:
	mov eax, ecx
	shl eax, 21
	or eax, 0x83                    ; present, writable, large
	mov edx, ecx
	shr edx, 11                     ; high dword of the address (i * 2 MiB >> 32)
	mov [boot_pd - KERNEL_VMA + ecx * 8], eax
	mov [boot_pd - KERNEL_VMA + ecx * 8 + 4], edx
	inc ecx
	cmp ecx, 2048
	jb .fill_pd

	; PAE, then CR3, then EFER.LME (+NXE), then paging + write protect.
	mov eax, cr4
	or eax, 1 << 5
	mov cr4, eax
	mov eax, boot_pml4 - KERNEL_VMA
	mov cr3, eax
	mov ecx, 0xc0000080
	rdmsr
	or eax, 1 << 8
	test ebp, 1 << 20
	jz .no_nx
	or eax, 1 << 11
.no_nx:
	wrmsr
	mov eax, cr0
	or eax, (1 << 31) | (1 << 16) | 1
	mov cr0, eax

	lgdt [boot_gdt_ptr - KERNEL_VMA]
	jmp 0x08:(.long_mode - KERNEL_VMA)

.no_long_mode:
	; Tell the user on COM1 (already set up by GRUB or the firmware, or not:
	; nothing else we can do) and halt.
	mov esi, no_lm_msg - KERNEL_VMA
.putc:
	lodsb
	test al, al
	jz .halt
	mov dx, 0x3f8
	out dx, al
	jmp .putc
.halt:
	hlt
	jmp .halt

bits 64
.long_mode:
	mov ax, 0x10
	mov ds, ax
	mov es, ax
	mov ss, ax
	xor ax, ax
	mov fs, ax
	mov gs, ax
	mov rax, .higher_half
	jmp rax
.higher_half:
	mov rsp, boot_stack_top
	xor ebp, ebp                    ; terminates frame-pointer backtraces
	; kmain(magic, boot_info_phys): ESI = magic, EDI = info (zero-extended)
	mov eax, edi
	mov edi, esi
	mov esi, eax
	extern kmain
	call kmain
.hang:
	cli
	hlt
	jmp .hang

section .rodata
no_lm_msg: db "faultline: this CPU does not support x86_64 long mode", 13, 10, 0

align 16
boot_gdt:
	dq 0
	dq 0x00af9a000000ffff           ; 0x08: 64-bit code, ring 0
	dq 0x00cf92000000ffff           ; 0x10: data, ring 0
boot_gdt_end:
boot_gdt_ptr:
	dw boot_gdt_end - boot_gdt - 1
	dd boot_gdt - KERNEL_VMA

section .bss
align 4096
global boot_pml4
boot_pml4:      resb 4096
boot_pdpt_low:  resb 4096
boot_pdpt_high: resb 4096
boot_pd:        resb 4 * 4096
boot_pt_end:
align 16
global boot_stack_top
boot_stack:     resb 16384
boot_stack_top:
