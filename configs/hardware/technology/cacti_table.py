#!/usr/bin/env python3
"""Builds a memory technology table (configs/README.md, "Technology") from CACTI runs.

CACTI (HP Labs; version 7, e.g. the copy in ZigZag's repository, zigzag/cacti/cacti_master, built
with `make opt`) is not a Debian package, so the table it produced is shipped
(cacti7_28nm_sram.toml) and this script is how to make it again or for another node:

    /usr/bin/python3 configs/hardware/technology/cacti_table.py --cacti DIR \
        --out configs/hardware/technology/cacti7_28nm_sram.toml

DIR holds the `cacti` binary (it runs there: it reads its tech_params). One CACTI run per
(capacity, width, ports) point of the grid below: a scratch RAM ("ram", no tag array), one bank,
block size = width / 8 bytes, bus width = width, the cell and peripheral type, temperature,
ECC and optimisation target that ZigZag's own CACTI calls use (itrs-hp, 360 K, ECC on, ED^2 with
a cycle-time weight), so that the numbers compare with ZigZag's. Per point the table stores the
dynamic read / write energy per access divided by the width (pJ per bit) and the macro area
(height x width, mm2). Leakage is not part of the model (stems has no static energy).
"""

import argparse
import pathlib
import re
import subprocess
import sys
import tempfile

KB = 8 * 1024  # bits
CAPACITIES_BITS = [16 * KB, 32 * KB, 64 * KB, 128 * KB, 256 * KB, 512 * KB, 1024 * KB,
                   2048 * KB, 4096 * KB, 8192 * KB, 16384 * KB, 32768 * KB, 65536 * KB]
WIDTHS_BITS = [64, 128, 256, 512, 1024, 2048]
PORTS = {  # name: (read/write, exclusive read, exclusive write)
    "1rw": (1, 0, 0),
    "1r1w": (0, 1, 1),
    "2rw": (2, 0, 0),
}
PORTS_TOML = {  # as a hardware file writes them
    "1rw": "{ read_write = 1 }",
    "1r1w": "{ read = 1, write = 1 }",
    "2rw": "{ read_write = 2 }",
}

# CACTI 7 input parameters; the {placeholders} are set per point.
CONFIG = """\
-size (bytes) {size_bytes}
-Array Power Gating - "false"
-WL Power Gating - "false"
-CL Power Gating - "false"
-Bitline floating - "false"
-Interconnect Power Gating - "false"
-Power Gating Performance Loss 0.01
-block size (bytes) {block_bytes}
-output/input bus width {width_bits}
-associativity 1
-read-write port {rw}
-exclusive read port {r}
-exclusive write port {w}
-single ended read ports 0
-UCA bank count 1
-technology (u) {node_um}
-page size (bits) 8192
-burst length 8
-internal prefetch width 8
-Data array cell type - "itrs-hp"
-Data array peripheral type - "itrs-hp"
-Tag array cell type - "itrs-hp"
-Tag array peripheral type - "itrs-hp"
-operating temperature (K) 360
-cache type "ram"
-tag size (b) "default"
-access mode (normal, sequential, fast) - "normal"
-design objective (weight delay, dynamic power, leakage power, cycle time, area) 0:0:0:100:0
-deviate (delay, dynamic power, leakage power, cycle time, area) 20:100000:100000:100000:100000
-NUCAdesign objective (weight delay, dynamic power, leakage power, cycle time, area) 100:100:0:0:100
-NUCAdeviate (delay, dynamic power, leakage power, cycle time, area) 10:10000:10000:10000:10000
-Optimize ED or ED^2 (ED, ED^2, NONE): "ED^2"
-Cache model (NUCA, UCA)  - "UCA"
-NUCA bank count 0
-Wire signaling (fullswing, lowswing, default) - "Global_30"
-Wire inside mat - "semi-global"
-Wire outside mat - "semi-global"
-Interconnect projection - "conservative"
-Core count 8
-Cache level (L2/L3) - "L3"
-Add ECC - "true"
-Print level (DETAILED, CONCISE) - "DETAILED"
-Print input parameters - "false"
-Force cache config - "false"
-Ndwl 1
-Ndbl 1
-Nspd 0
-Ndcm 1
-Ndsam1 0
-Ndsam2 0
-dram_type "DDR3"
-io state "WRITE"
-addr_timing 1.0
-mem_density 4 Gb
-bus_freq 800 MHz
-duty_cycle 1.0
-activity_dq 1.0
-activity_ca 0.5
-num_dq 72
-num_dqs 18
-num_ca 25
-num_clk  2
-num_mem_dq 2
-mem_data_width 8
-rtt_value 10000
-ron_value 34
-tflight_value
-num_bobs 1
-capacity 80
-num_channels_per_bob 1
-first metric "Cost"
-second metric "Bandwidth"
-third metric "Energy"
-DIMM model "ALL"
-mirror_in_bob "F"
"""

READ = re.compile(r"Total dynamic read energy per access \(nJ\):\s*([0-9.eE+-]+)")
WRITE = re.compile(r"Total dynamic write energy per access \(nJ\):\s*([0-9.eE+-]+)")
SHAPE = re.compile(r"Cache height x width \(mm\):\s*([0-9.eE+-]+)\s*x\s*([0-9.eE+-]+)")


def run_point(cacti_dir, tmp, size_bits, width_bits, ports, node_um):
    rw, r, w = PORTS[ports]
    cfg = pathlib.Path(tmp) / f"p_{size_bits}_{width_bits}_{ports}.cfg"
    cfg.write_text(CONFIG.format(size_bytes=size_bits // 8, block_bytes=width_bits // 8,
                                 width_bits=width_bits, rw=rw, r=r, w=w, node_um=node_um))
    out = subprocess.run(["./cacti", "-infile", str(cfg)], cwd=cacti_dir, capture_output=True,
                         text=True, timeout=600).stdout
    read, write, shape = READ.search(out), WRITE.search(out), SHAPE.search(out)
    if not (read and write and shape):
        return None
    area = float(shape.group(1)) * float(shape.group(2))
    return (float(read.group(1)) * 1000 / width_bits, float(write.group(1)) * 1000 / width_bits,
            area)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cacti", required=True, help="directory holding the cacti binary")
    ap.add_argument("--out", required=True, help="technology TOML to write")
    ap.add_argument("--node-um", default="0.028", help="technology node in um (default 0.028)")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for ports in PORTS:
            for width in WIDTHS_BITS:
                for size in CAPACITIES_BITS:
                    got = run_point(args.cacti, tmp, size, width, ports, args.node_um)
                    if got is None:
                        sys.exit(f"cacti gave no result for {size} bits, {width} bits wide, "
                                 f"{ports}: no table written")
                    rows.append((size, width, ports) + got)
                    print(f"{size:>10} b {width:>5} b {ports:>5}: read {got[0]:.4f} write "
                          f"{got[1]:.4f} pJ/bit, {got[2]:.4f} mm2", file=sys.stderr)
    write_table(args.out, rows, args.node_um)


def write_table(path, rows, node_um):
    lines = [
        "# Memory technology table made by configs/hardware/technology/cacti_table.py (see it for",
        f"# the CACTI configuration): CACTI 7, {float(node_um) * 1000:g} nm, scratch RAM, one bank,",
        "# itrs-hp cells and periphery, ECC on, ED^2 optimisation (ZigZag's CACTI settings).",
        "# Energies: dynamic energy per access / width (pJ per bit); area: macro height x width.",
        "# Registers and PE areas: the same ASSUMED values as sram_28nm.toml (not CACTI's).",
        "",
        "[technology]",
        f'name = "cacti7_{float(node_um) * 1000:g}nm_sram"',
        'source = "CACTI 7 runs (configs/hardware/technology/cacti_table.py), '
        f'{float(node_um) * 1000:g} nm itrs-hp, ECC on, ED^2; registers and PE areas: ASSUMED '
        '(as sram_28nm.toml)"',
        "register_max_bits = 8192",
        "register_area_um2_per_bit = 1.0   # ASSUMED",
        "pe_area_um2 = { conv2d = 60.0, linear = 60.0, add = 25.0, maxpool = 25.0, "
        "avgpool = 25.0, sumpool = 25.0, flatten = 0.0 }  # ASSUMED",
        "sram = [",
    ]
    for size, width, ports, rd, wr, area in rows:
        lines.append(f"  {{ size_bits = {size}, width_bits = {width}, ports = {PORTS_TOML[ports]}, "
                     f"read_energy_pJ_per_bit = {rd:.6g}, write_energy_pJ_per_bit = {wr:.6g}, "
                     f"area_mm2 = {area:.6g} }},")
    lines.append("]")
    pathlib.Path(path).write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
