; uaccess.asm - the instructions that touch user memory.
;
; Each routine opens SMAP's window (stac) only around its access and closes
; it (clac) on every way out.  The instruction that may fault on a bad user
; address is listed in .ex_table with a fixup address: trap_dispatch first
; lets the page-fault handler fault the page in (then the instruction is
; retried - rep movsb resumes where it stopped), and if the address is bad
; resumes at the fixup, which returns -EFAULT.  Range checks (user half
; only) are done by the C callers (kernel/uaccess.c).

bits 64
section .text
extern cpu_has_smap

EFAULT equ 14

%macro STAC 0
	cmp byte [rel cpu_has_smap], 0
	je %%no
	stac
%%no:
%endmacro
%macro CLAC 0
	cmp byte [rel cpu_has_smap], 0
	je %%no
	clac
%%no:
%endmacro
; The fixup of every routine: close the window, return -EFAULT.
%macro FAULT_RETURN 0
	CLAC
	mov rax, -EFAULT
	ret
%endmacro
%macro EXTABLE 2
section .ex_table
	dq %1, %2
section .text
%endmacro

; long __copy_user(void *dst, const void *src, size_t n): 0 or -EFAULT.
global __copy_user
__copy_user:
	STAC
	mov rcx, rdx
.copy:
	rep movsb
	CLAC
	xor eax, eax
	ret
.fault:
	FAULT_RETURN
EXTABLE .copy, .fault

; long __clear_user(void *dst, size_t n): 0 or -EFAULT.
global __clear_user
__clear_user:
	STAC
	mov rcx, rsi
	xor eax, eax
.store:
	rep stosb
	CLAC
	xor eax, eax
	ret
.fault:
	FAULT_RETURN
EXTABLE .store, .fault

; long __strncpy_user(char *dst, const char *src, long n): the length of
; the string (the NUL copied too), n if no NUL in n bytes, or -EFAULT.
global __strncpy_user
__strncpy_user:
	STAC
	xor eax, eax
.loop:
	cmp rax, rdx
	jae .done
.load:
	movzx ecx, byte [rsi + rax]
	mov [rdi + rax], cl
	test ecx, ecx
	jz .done
	inc rax
	jmp .loop
.done:
	CLAC
	ret
.fault:
	FAULT_RETURN
EXTABLE .load, .fault

; long __futex_cmpxchg_user(uint32_t *uaddr, uint32_t old, uint32_t new,
; uint32_t *cur): 0 (*cur = the value found) or -EFAULT.
global __futex_cmpxchg_user
__futex_cmpxchg_user:
	STAC
	mov eax, esi
.cmpxchg:
	lock cmpxchg [rdi], edx
	CLAC
	mov [rcx], eax
	xor eax, eax
	ret
.fault:
	FAULT_RETURN
EXTABLE .cmpxchg, .fault
