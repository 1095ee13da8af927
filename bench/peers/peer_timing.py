"""Timing helpers shared by the PyTorch peers (fwrnn.py, deltanet.py): the same sampling as the C# runner."""
import json
import resource
import time


def peak_rss_mib():
    """Peak resident memory of this process in MiB (ru_maxrss is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def per_call_ms(fn, warmup, samples, sample_seconds, cpu=None):
    """Wall milliseconds per call for each sample; cpu (a list) receives the process CPU ms per call overall."""
    for _ in range(warmup):
        fn()
    out = []
    total_calls = 0
    cpu0 = time.process_time()
    for _ in range(samples):
        calls = 0
        start = time.perf_counter()
        while True:
            fn()
            calls += 1
            elapsed = time.perf_counter() - start
            if elapsed >= sample_seconds:
                break
        out.append(elapsed * 1000.0 / calls)
        total_calls += calls
    if cpu is not None:
        cpu.append((time.process_time() - cpu0) * 1000.0 / max(1, total_calls))
    return out


def emit(**fields):
    """One JSON line on stdout, which the runner parses."""
    print(json.dumps(fields), flush=True)
