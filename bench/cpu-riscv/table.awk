# table.awk -v specs="label=file label=file ..."
# Joins cpu-bench outputs (first spec: native) into one table. Ratios:
#   "<emu> %nat"  native time / emulator time, for the first kvmu-* column
#                 (QEMU's when no kvmu ran)
#   "vs qemu"     QEMU time / kvmu time (> 1: kvmu is faster)
# Exits 1 when a checksum differs from native or a run has no result.
function fmt_time(t) { return t == "" ? "-" : sprintf("%.3f", t) }
function ratio(num, den) { return (num == "" || den == "" || den <= 0) ? "-" : sprintf("%.2f", num / den) }
BEGIN {
    n = split(specs, spec, " ")
    for (c = 1; c <= n; c++) {
        eq = index(spec[c], "=")
        label[c] = substr(spec[c], 1, eq - 1)
        file = substr(spec[c], eq + 1)
        while ((getline line < file) > 0) {
            split(line, w, " ")
            if (w[1] == "TOTAL") { name = "TOTAL"; t = w[2]; sum = w[3] }
            else { name = w[2]; t = w[3]; sum = w[4] }
            if (c == 1) order[++rows] = name
            time[c, name] = t
            check[c, name] = sum
        }
        close(file)
        if (label[c] ~ /^kvmu-/ && !kvmu) kvmu = c
        if (label[c] == "qemu") qemu = c
    }
    ref = kvmu ? kvmu : qemu
    printf "%-14s", "kernel"
    for (c = 1; c <= n; c++) printf " %12s", label[c]
    if (ref) printf " %14s", (ref == kvmu ? "kvmu" : "qemu") " %nat"
    if (kvmu && qemu) printf " %9s", "vs qemu"
    printf "  %s\n", "checksum"
    for (r = 1; r <= rows; r++) {
        name = order[r]
        printf "%-14s", name
        for (c = 1; c <= n; c++) printf " %12s", fmt_time(time[c, name])
        if (ref) {
            pct = ratio(time[1, name] * 100, time[ref, name])
            printf " %14s", (pct == "-" ? "-" : pct "%")
        }
        if (kvmu && qemu) {
            x = ratio(time[qemu, name], time[kvmu, name])
            printf " %9s", (x == "-" ? "-" : x "x")
        }
        verdict = "ok"
        for (c = 2; c <= n; c++) {
            if (check[c, name] == "") verdict = "missing:" label[c]
            else if (check[c, name] != check[1, name]) verdict = "MISMATCH:" label[c]
        }
        printf "  %s\n", verdict
        if (verdict != "ok") bad = 1
    }
    exit bad
}
