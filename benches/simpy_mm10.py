"""SimPy reference for the simulator bench (benches/sim_classical.rs).

An M/M/10 queue at 85% load (exponential service, mean 60 s), 250,000
customers, the textbook SimPy model: one Resource of capacity 10, a
generator process, one process per customer. Prints customers/s and the
waiting figures beside Erlang C.

    python3 -m venv /tmp/simpy-venv && /tmp/simpy-venv/bin/pip install simpy
    /tmp/simpy-venv/bin/python benches/simpy_mm10.py [customers]
"""
import math
import random
import sys
import time

import simpy

N = int(sys.argv[1]) if len(sys.argv) > 1 else 250_000
SERVERS = 10
SERVICE = 60.0
LAM = 0.85 * SERVERS / SERVICE


def erlang_c(n, a):
    b = 1.0
    for k in range(1, n + 1):
        b = a * b / (k + a * b)
    return n * b / (n - a * (1 - b))


def main():
    rng = random.Random(1)
    env = simpy.Environment()
    servers = simpy.Resource(env, capacity=SERVERS)
    waits = []

    def customer(env):
        arrived = env.now
        with servers.request() as req:
            yield req
            waits.append(env.now - arrived)
            yield env.timeout(rng.expovariate(1.0 / SERVICE))

    def source(env):
        for _ in range(N):
            yield env.timeout(rng.expovariate(LAM))
            env.process(customer(env))

    env.process(source(env))
    t0 = time.perf_counter()
    env.run()
    wall = time.perf_counter() - t0
    c = erlang_c(SERVERS, LAM * SERVICE)
    p_wait = sum(1 for w in waits if w > 0) / len(waits)
    mean = sum(waits) / len(waits)
    print(f"simpy customers={len(waits)} wall_s={wall:.3f} customers_per_s={len(waits) / wall:.0f}")
    print(f"simpy p_wait={p_wait:.4f} (erlang C {c:.4f}) mean_wait_s={mean:.3f} (erlang C {c / (SERVERS / SERVICE - LAM):.3f})")


if __name__ == "__main__":
    main()
