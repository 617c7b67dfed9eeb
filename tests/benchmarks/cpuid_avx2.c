/* LD_PRELOAD library for bench_ingest.py: this process sees an AVX2-only CPU.
 * Makes CPUID trap (arch_prctl ARCH_SET_CPUID; needs the cpuid_fault CPU flag) and answers it
 * with the real values less AVX-512, AVX-VNNI and AMX, so that onnxruntime (MLAS), which picks
 * its kernels from CPUID, runs the AVX2 kernels an AVX2-only CPU would. See embedding_variants.py. */
#define _GNU_SOURCE
#include <asm/prctl.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <ucontext.h>
#include <unistd.h>
#ifndef ARCH_SET_CPUID
#define ARCH_SET_CPUID 0x1012
#endif
static void on_segv(int sig, siginfo_t *info, void *ctx) {
    ucontext_t *uc = ctx;
    greg_t *r = uc->uc_mcontext.gregs;
    const unsigned char *ip = (const unsigned char *)r[REG_RIP];
    if (ip[0] != 0x0f || ip[1] != 0xa2) { signal(SIGSEGV, SIG_DFL); return; }
    uint32_t leaf = (uint32_t)r[REG_RAX], sub = (uint32_t)r[REG_RCX], a, b, c, d;
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 1);
    __asm__ volatile("cpuid" : "=a"(a), "=b"(b), "=c"(c), "=d"(d) : "a"(leaf), "c"(sub));
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
    if (leaf == 7 && sub == 0) {
        b &= ~((1u << 16) | (1u << 17) | (1u << 21) | (1u << 26) | (1u << 27) | (1u << 28) |
               (1u << 30) | (1u << 31));                 /* avx512 f dq ifma pf er cd bw vl */
        c &= ~((1u << 1) | (1u << 6) | (1u << 11) | (1u << 12) | (1u << 14)); /* vbmi vbmi2 vnni bitalg vpopcntdq */
        d &= ~((1u << 2) | (1u << 3) | (1u << 8) | (1u << 22) | (1u << 23) | (1u << 24) | (1u << 25)); /* 4vnniw 4fmaps vp2intersect amx-bf16 fp16 amx-tile amx-int8 */
    } else if (leaf == 7 && sub == 1) {
        a &= ~((1u << 4) | (1u << 5) | (1u << 21) | (1u << 23)); /* avx-vnni avx512-bf16 amx-fp16 avx-ifma */
        d &= ~((1u << 4) | (1u << 5) | (1u << 10) | (1u << 19)); /* avx-vnni-int8 avx-ne-convert avx-vnni-int16 avx10 */
    } else if (leaf == 0xd && sub == 0) {
        a &= ~0xe0u; /* XCR0 bits the OS would save for AVX-512 */
    }
    r[REG_RAX] = a; r[REG_RBX] = b; r[REG_RCX] = c; r[REG_RDX] = d;
    r[REG_RIP] += 2;
}
__attribute__((constructor)) static void hide_avx512(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, 0);
    syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0);
}
