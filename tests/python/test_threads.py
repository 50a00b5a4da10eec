"""Two Python threads calling dse at once get the serial values (the engine
keeps no hidden global state), and the GIL is released while it computes."""
import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np

import dsesweep


def inputs():
    rng = np.random.default_rng(11)
    return [rng.normal(size=(300 + 20 * i, 16)) * (1 + i) for i in range(6)]


def test_thread_pool_gives_the_serial_values():
    Zs = inputs()
    serial = [dsesweep.dse(Z, sigma=5, t=[1, 2]) for Z in Zs]
    with ThreadPoolExecutor(max_workers=2) as pool:
        threaded = list(pool.map(lambda Z: dsesweep.dse(Z, sigma=5, t=[1, 2]), Zs * 2))
    assert threaded == serial * 2
    assert len({v[1.0] for v in serial}) == len(Zs)  # different inputs, different values


def ticks_during(call):
    """Runs call() in a thread while the main thread runs pure Python (which
    needs the GIL) in a loop. Returns (seconds of the call, loop iterations
    that fell in the middle half of it, the call's result)."""
    span = {}

    def work():
        span["start"] = time.perf_counter()
        span["value"] = call()
        span["end"] = time.perf_counter()

    ticks = []
    t = threading.Thread(target=work)
    t.start()
    while t.is_alive():
        ticks.append(time.perf_counter())
        x = 0
        for i in range(200):
            x += i
    t.join()
    start, end = span["start"], span["end"]
    quarter = 0.25 * (end - start)
    middle = [x for x in ticks if start + quarter < x < end - quarter]
    return end - start, len(middle), span["value"]


def test_the_probe_sees_a_held_gil():
    """The probe's negative control: the re module holds the GIL while it
    matches, and a catastrophically backtracking pattern keeps it busy."""
    seconds, middle, _ = ticks_during(lambda: re.match(r"(a+)+$", "a" * 23 + "b"))
    assert seconds > 0.05
    assert middle == 0


def test_gil_is_released_during_the_call():
    """While one thread is inside the engine, the main thread keeps running
    Python: ticks land throughout the call (with the GIL held there would be
    none in its middle half, as the control above shows)."""
    Z = np.random.default_rng(5).normal(size=(1500, 64))
    seconds, middle, value = ticks_during(lambda: dsesweep.dse(Z, sigma=8))
    assert seconds > 0.05, "the call was too short to show anything"
    assert middle > 20, (middle, seconds)
    assert value == dsesweep.dse(Z, sigma=8)
