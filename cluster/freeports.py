"""Chooses the ports of one local-cluster instance at start time and records them.

    python3 freeports.py STATE_FILE NAME[=PREFERRED] ... [RANGE_NAME~SIZE[=PREFERRED]]

For each NAME: an explicit value in the environment (e.g. LIVY_PORT=18998) is used as given and
must be free; otherwise the value recorded in STATE_FILE by the previous start, then PREFERRED (the
demo's usual ports), then a free port the kernel lets us bind on 127.0.0.1, picked at random in
20000-32000: below the kernel's ephemeral range (32768+), where other JVMs' outgoing connections
would collide with fixed ports. RANGE_NAME~SIZE asks for SIZE consecutive free ports, written
as "LOW~HIGH" (Livy's livy.rsc.launcher.port.range). Prints NAME=VALUE lines (also written to
STATE_FILE); says loudly on stderr when a preferred port is taken and another is used.
"""

from __future__ import annotations

import os
import random
import socket
import sys

LOW, HIGH = 20000, 32000


def free(port: int) -> bool:
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def say(message: str) -> None:
    print(f"\033[1;33m[livy-capacity] NOTE:\033[0m {message}", file=sys.stderr)


def die(message: str) -> None:
    print(f"\033[1;31m[livy-capacity] ERROR:\033[0m {message}", file=sys.stderr)
    sys.exit(1)


def main() -> None:
    state_file, specs = sys.argv[1], sys.argv[2:]
    recorded: dict[str, str] = {}
    if os.path.exists(state_file):
        for line in open(state_file):
            if "=" in line:
                key, value = line.strip().split("=", 1)
                recorded[key] = value
    taken: set[int] = set()
    chosen: dict[str, str] = {}

    def usable(ports: list[int]) -> bool:
        return all(0 < p < 65536 and p not in taken and free(p) for p in ports)

    def pick(size: int) -> list[int]:
        for _ in range(2000):
            low = random.randrange(LOW, HIGH - size)
            if usable(list(range(low, low + size))):
                return list(range(low, low + size))
        die(f"found no {size} free consecutive port(s) in {LOW}-{HIGH} on 127.0.0.1")
        raise SystemExit(1)

    for spec in specs:
        spec, _, preferred = spec.partition("=")
        name, _, size_text = spec.partition("~")
        size = int(size_text or 1)

        def parse(text: str) -> list[int]:
            low, _, high = text.partition("~")
            return list(range(int(low), int(high or low) + 1))

        explicit = os.environ.get(name, "")
        if explicit:
            ports = parse(explicit)
            if not usable(ports):
                die(f"{name}={explicit} was set explicitly, but a port there is in use by another process; "
                    f"unset {name} to let scripts/cluster choose free ports")
        else:
            ports = []
            for candidate in (recorded.get(name, ""), preferred):
                if candidate and usable(parse(candidate)):
                    ports = parse(candidate)
                    break
            if not ports:
                ports = pick(size)
                if preferred:
                    say(f"port {preferred} (the usual one for {name}) is taken by another process; "
                        f"using {ports[0] if size == 1 else f'{ports[0]}~{ports[-1]}'} instead")
        taken.update(ports)
        chosen[name] = str(ports[0]) if size == 1 and "~" not in explicit else f"{ports[0]}~{ports[-1]}"

    with open(state_file + ".tmp", "w") as f:
        f.writelines(f"{k}={v}\n" for k, v in chosen.items())
    os.replace(state_file + ".tmp", state_file)
    sys.stdout.writelines(f"{k}={v}\n" for k, v in chosen.items())


if __name__ == "__main__":
    main()
