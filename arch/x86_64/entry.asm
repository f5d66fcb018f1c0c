; entry.asm - interrupt and exception entry stubs.
;
; Every vector has a stub that pushes a zero error code when the CPU does
; not push one, then the vector number, then jumps to trap_common, which
; saves the general registers as a struct trap_frame (trap.h), switches to
; the kernel GS base when the trap came from user mode, and calls
; trap_dispatch(frame).  vector_table[] holds the 256 stub addresses for
; idt.c.

bits 64
section .text

extern trap_dispatch

; Vectors where the CPU pushes an error code: #DF 8, #TS 10, #NP 11, #SS 12,
; #GP 13, #PF 14, #AC 17, #CP 21, #VC 29, #SX 30.
%macro STUB 1
align 16
stub_%1:
%if %1 == 8 || (%1 >= 10 && %1 <= 14) || %1 == 17 || %1 == 21 || %1 == 29 || %1 == 30
%else
	push 0
%endif
	push %1
	jmp trap_common
%endmacro

%assign i 0
%rep 256
STUB i
%assign i i + 1
%endrep

align 16
trap_common:
	push rax
	push rbx
	push rcx
	push rdx
	push rsi
	push rdi
	push rbp
	push r8
	push r9
	push r10
	push r11
	push r12
	push r13
	push r14
	push r15
	cld
	; From user mode (CS RPL 3)?  Then take the kernel's GS base.
	test qword [rsp + 18 * 8], 3
	jz .kernel1
	swapgs
.kernel1:
	; A frame record for backtraces: rbp chain continues through the
	; interrupted code's rbp, return address = interrupted rip.
	push qword [rsp + 17 * 8]       ; rip
	push rbp
	mov rbp, rsp
	lea rdi, [rsp + 16]
	call trap_dispatch
	add rsp, 16
	test qword [rsp + 18 * 8], 3
	jz .kernel2
	swapgs
.kernel2:
	pop r15
	pop r14
	pop r13
	pop r12
	pop r11
	pop r10
	pop r9
	pop r8
	pop rbp
	pop rdi
	pop rsi
	pop rdx
	pop rcx
	pop rbx
	pop rax
	add rsp, 16                     ; vector, error code
	iretq

; void call_on_stack(void *arg, void (*fn)(void *), void *stack_top):
; run fn(arg) on another stack (used to report a kernel stack overflow
; from a stack that has no room left).
global call_on_stack
call_on_stack:
	push rbp
	mov rbp, rsp
	mov rsp, rdx
	call rsi
	mov rsp, rbp
	pop rbp
	ret

section .rodata
global vector_table
vector_table:
%assign i 0
%rep 256
	dq stub_ %+ i
%assign i i + 1
%endrep
