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
extern syscall_dispatch
extern exit_to_user
extern cpu_has_smap

; struct trap_frame offsets (trap.h): 15 registers, vector, error, then the
; CPU's part.
TF_R11 equ 4 * 8
TF_RCX equ 12 * 8
TF_VECTOR equ 15 * 8
TF_RIP equ 17 * 8
TF_CS equ 18 * 8
TF_RFLAGS equ 19 * 8
GDT_USER_DS equ 0x20
GDT_USER_CS equ 0x28
VEC_SYSCALL equ 0x100
USER_TOP equ 0x00007ffffffff000
MSR_GS_BASE equ 0xc0000101

; The general registers of a struct trap_frame, in its order.
%macro PUSH_REGS 0
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
%endmacro
%macro POP_REGS 0
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
%endmacro

; Call fn(frame) with rsp at a struct trap_frame, under a frame record for
; backtraces: the rbp chain continues through the interrupted code's rbp,
; with the interrupted rip as return address.
%macro CALL_WITH_FRAME 1
	push qword [rsp + TF_RIP]
	push rbp
	mov rbp, rsp
	lea rdi, [rsp + 16]
	call %1
	add rsp, 16
%endmacro

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
	PUSH_REGS
	cld
	; The CPU keeps RFLAGS.AC on entry: a fault inside a user copy's stac
	; window would otherwise run the handler - and, if it sleeps, other
	; tasks - with SMAP off.  The interrupted code's AC comes back with
	; its RFLAGS at iretq.
	cmp byte [rel cpu_has_smap], 0
	je .smap_closed
	clac
.smap_closed:
	; NMI and #MC can arrive anywhere, even between a swapgs and the
	; sysret/iretq after it, where CS says kernel but GS is the user's:
	; they decide by the GS base itself (Linux's "paranoid" entry).
	cmp qword [rsp + TF_VECTOR], 2
	je paranoid_entry
	cmp qword [rsp + TF_VECTOR], 18
	je paranoid_entry
	; From user mode (CS RPL 3)?  Then take the kernel's GS base.
	test qword [rsp + TF_CS], 3
	jz .kernel1
	swapgs
.kernel1:
	CALL_WITH_FRAME trap_dispatch
	test qword [rsp + TF_CS], 3
	jz kernel_return
	mov rdi, rsp
	call exit_to_user               ; signals, rescheduling; returns with interrupts off
	; fall through

; Return to user mode through iretq; rsp points at a user struct trap_frame.
; Also where a new task starts (task_entry) and the syscall path's slow exit.
global return_to_user
return_to_user:
	swapgs
kernel_return:
	POP_REGS
	add rsp, 16                     ; vector, error code
	iretq

; NMI and #MC (see trap_common).
paranoid_entry:
	xor r12d, r12d                  ; r12 (saved in the frame): did we swapgs?
	mov ecx, MSR_GS_BASE
	rdmsr
	test edx, edx                   ; kernel GS bases are in the upper half
	js .gs_ok
	swapgs
	mov r12d, 1
.gs_ok:
	CALL_WITH_FRAME trap_dispatch
	test r12d, r12d
	jz kernel_return
	swapgs
	jmp kernel_return

; SYSCALL: the CPU put the user rip in rcx and rflags in r11, loaded the
; kernel CS/SS from STAR and cleared IF (SFMASK); rsp is still the user's.
; Build the same struct trap_frame an interrupt from user mode builds, on
; the current task's kernel stack (gs:8), so clone, exec and signals deal
; with one frame format.
global syscall_entry
align 16
syscall_entry:
	swapgs
	mov [gs:16], rsp                ; struct cpu.user_rsp
	mov rsp, [gs:8]                 ; struct cpu.syscall_rsp
	push GDT_USER_DS | 3            ; ss
	push qword [gs:16]              ; rsp
	push r11                        ; rflags
	push GDT_USER_CS | 3            ; cs
	push rcx                        ; rip
	push 0                          ; error code
	push VEC_SYSCALL                ; vector
	PUSH_REGS
	sti                             ; the frame is complete: interrupts may come
	CALL_WITH_FRAME syscall_dispatch
	mov rdi, rsp
	call exit_to_user               ; returns with interrupts off
	; SYSRET can return only to where the frame says SYSCALL came from:
	; rcx == rip, r11 == rflags (execve changes the frame, as signal
	; delivery will: they go out through iretq), and rip canonical (SYSRET
	; with a non-canonical rcx faults in ring 0 on Intel CPUs).
	mov rcx, [rsp + TF_RIP]
	cmp rcx, [rsp + TF_RCX]
	jne return_to_user
	mov r11, [rsp + TF_RFLAGS]
	cmp r11, [rsp + TF_R11]
	jne return_to_user
	mov rax, USER_TOP
	cmp rcx, rax
	jae return_to_user
	POP_REGS
	mov rsp, [rsp + 16 + 24]        ; past vector, error, rip, cs, rflags: the user rsp
	swapgs
	o64 sysret

; A new task's first run: swtch() "returns" here with rsp at its user frame.
global task_entry
task_entry:
	mov rdi, rsp
	call exit_to_user               ; an exit_group or exec may have begun already
	jmp return_to_user

; A kernel thread's first run: swtch() restored r12 = fn, r13 = arg.
global kthread_entry
extern kthread_exit
kthread_entry:
	sti
	mov rdi, r13
	call r12
	call kthread_exit

; void swtch(struct context **save, struct context *load, int *prev_on_cpu):
; save the callee-saved registers on this stack and its pointer in *save,
; continue on the stack `load`, and only then - never touching the old
; stack again - clear the previous task's on_cpu, so another CPU may run it.
global swtch
swtch:
	push rbp
	push rbx
	push r12
	push r13
	push r14
	push r15
	mov [rdi], rsp
	mov rsp, rsi
	mov dword [rdx], 0              ; release store (x86 keeps stores in order)
	pop r15
	pop r14
	pop r13
	pop r12
	pop rbx
	pop rbp
	ret

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
