// The analytics stand-in every contestant gates: sets a first-party cookie named like ga.js's
// and records when it ran, so the bench can tell whether it ran before or after consent.
document.cookie = "__utma=1.2.3.4.5.6; path=/; max-age=63072000; samesite=lax";
window.__analyticsRan = performance.now();
