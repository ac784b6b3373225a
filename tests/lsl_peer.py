"""A Lab Streaming Layer peer for the tests: another instrument on the network.

It offers a marker outlet of its own (as a stimulator would), finds a Respite session's
Markers, Pose and Ratings outlets by their source ids, records what arrives, and sends its
own marker until the session's Markers stream carries it back (the session records it and
every events.tsv line goes out); then a marker too long, a burst over the rate, and goes. Writes what it saw into OUT_DIR, as tables:
markers.tsv (stamp, then the marker's text, itself a line of tab-separated cells),
pose.tsv (stamp, 7 channels), ratings.tsv (stamp, 3 channels), sent.tsv (stamp, label) and
streams.tsv (each outlet's name, type, channel count and source id).

usage: lsl_peer.py OUT_DIR SOURCE_PREFIX STIM_NAME
"""

import os
import sys
import time

import pylsl

out_path, prefix, stim_name = sys.argv[1:4]
stim = pylsl.StreamOutlet(
    pylsl.StreamInfo(stim_name, "Markers", 1, 0, "string", "respite-test-stim")
)


def find(stream):
    found = pylsl.resolve_byprop("source_id", prefix + stream, minimum=1, timeout=120)
    if not found:
        sys.exit(f"lsl_peer: no outlet {prefix + stream}")
    inlet = pylsl.StreamInlet(found[0], max_buflen=360)
    inlet.open_stream(timeout=10)
    return found[0], inlet


seen = {}
inlets = {}
for stream in ("markers", "pose", "ratings"):
    info, inlet = find(stream)
    inlets[stream] = inlet
    seen[stream] = []
    seen[stream + "_info"] = {
        "name": info.name(),
        "type": info.type(),
        "channels": info.channel_count(),
        "source_id": info.source_id(),
    }

sent = []
echoed = False
ended_at = None
last_send = 0.0
deadline = time.monotonic() + 240
while time.monotonic() < deadline:
    for stream, inlet in inlets.items():
        while True:
            sample, ts = inlet.pull_sample(timeout=0.0)
            if sample is None:
                break
            seen[stream].append([sample, ts])
            if stream == "markers":
                line = sample[0]
                if "source=lsl" in line and "tDCS on" in line:
                    echoed = True
                if "\tsession_end\t" in line and ended_at is None:
                    ended_at = time.monotonic()
    if not echoed and seen["markers"] and time.monotonic() - last_send > 0.5:
        last_send = time.monotonic()
        t = pylsl.local_clock()
        stim.push_sample(["tDCS on"], t)
        sent.append(["tDCS on", t])
    if echoed and stim is not None:
        # Then what a faulty instrument sends: a marker far too long, with a tab and a
        # bell in it; a burst far over the rate; and then it goes away mid-session.
        stim.push_sample(["tDCS\toff\x07 " + "x" * 5000])
        for i in range(150):
            stim.push_sample([f"burst {i}"])
        time.sleep(0.5)
        del stim
        stim = None
    if ended_at is not None and time.monotonic() - ended_at > 2.0:
        break
    time.sleep(0.005)

os.makedirs(out_path, exist_ok=True)


def table(name, rows):
    with open(os.path.join(out_path, name), "w") as f:
        for row in rows:
            f.write("\t".join(str(c) for c in row) + "\n")


table("markers.tsv", [[f"{ts:.6f}", s[0]] for s, ts in seen["markers"]])
table("pose.tsv", [[f"{ts:.6f}", *s] for s, ts in seen["pose"]])
table("ratings.tsv", [[f"{ts:.6f}", *s] for s, ts in seen["ratings"]])
table("sent.tsv", [[f"{ts:.6f}", label] for label, ts in sent])
table(
    "streams.tsv",
    [
        [i["name"], i["type"], i["channels"], i["source_id"]]
        for i in (seen[s + "_info"] for s in ("markers", "pose", "ratings"))
    ],
)
