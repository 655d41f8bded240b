/* ProcessPrng, the one export of Windows' bcryptprimitives.dll that Rust's standard library
 * imports (for HashMap keys and other randomness). Wine 8 has no such DLL; this stand-in,
 * placed next to the .exe files under test, answers it through RtlGenRandom. Only for
 * running the Windows build under wine; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
    while (len > 0) {
        ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
        if (!SystemFunction036(data, n)) return FALSE;
        data += n;
        len -= n;
    }
    return TRUE;
}
