//! Asking the CPU to start loading a cache line the caller will read soon.
//!
//! The one place in the crate with `unsafe`: a prefetch is a hint that never
//! faults and changes no state, but the intrinsic is an `unsafe fn`. Why it is
//! worth it: on a network of a million members a send waits on a few random
//! memory loads; starting them several messages ahead overlaps the waits
//! (`cargo bench --bench engine` reports the engine with and without it).

/// Starts loading the cache line holding `value`.
#[inline(always)]
pub fn prefetch<T>(value: &T) {
    prefetch_hint::<{ HINT_READ }, T>(value);
}

/// Starts loading the cache line holding `value`, to be written soon.
#[inline(always)]
pub fn prefetch_write<T>(value: &T) {
    prefetch_hint::<{ HINT_WRITE }, T>(value);
}

#[cfg(target_arch = "x86_64")]
const HINT_READ: i32 = std::arch::x86_64::_MM_HINT_T0;
#[cfg(target_arch = "x86_64")]
const HINT_WRITE: i32 = std::arch::x86_64::_MM_HINT_ET0;
#[cfg(not(target_arch = "x86_64"))]
const HINT_READ: i32 = 0;
#[cfg(not(target_arch = "x86_64"))]
const HINT_WRITE: i32 = 1;

#[inline(always)]
fn prefetch_hint<const HINT: i32, T>(value: &T) {
    #[cfg(target_arch = "x86_64")]
    // SAFETY: `_mm_prefetch` reads nothing architecturally visible and cannot
    // fault; the pointer comes from a live reference. SSE is part of the
    // x86_64 baseline.
    #[allow(unsafe_code)]
    unsafe {
        std::arch::x86_64::_mm_prefetch::<HINT>((value as *const T).cast::<i8>());
    }
    #[cfg(not(target_arch = "x86_64"))]
    let _ = value;
}
