# table.awk -v specs="label=file label=file ..."
# Joins cpu-bench outputs (first spec: native) into one table. Ratios:
#   "%nat"        native time / emulator time, for the fastest kvmu-* column
#                 (kvmu-jit if present; QEMU's when no kvmu ran)
#   "<accel>/qemu" QEMU time / kvmu time, per kvmu column (> 1: kvmu is faster)
#   "jit/interp"  interp time / jit time, when both ran
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
        if (label[c] ~ /^kvmu-/) nk++
        if (label[c] ~ /^kvmu-/) kcol[nk] = c
        if (label[c] ~ /^kvmu-jit/) jit = c
        if (label[c] == "kvmu-interp") interp = c
        if (label[c] == "qemu") qemu = c
    }
    if (jit) kvmu = jit
    ref = kvmu ? kvmu : qemu
    printf "%-14s", "kernel"
    for (c = 1; c <= n; c++) printf " %12s", label[c]
    if (ref) printf " %14s", (ref == kvmu ? substr(label[kvmu], 6) : "qemu") " %nat"
    if (qemu) for (k = 1; k <= nk; k++) printf " %12s", substr(label[kcol[k]], 6) "/qemu"
    if (jit && interp) printf " %11s", "jit/interp"
    printf "  %s\n", "checksum"
    for (r = 1; r <= rows; r++) {
        name = order[r]
        printf "%-14s", name
        for (c = 1; c <= n; c++) printf " %12s", fmt_time(time[c, name])
        if (ref) {
            pct = ratio(time[1, name] * 100, time[ref, name])
            printf " %14s", (pct == "-" ? "-" : pct "%")
        }
        if (qemu) for (k = 1; k <= nk; k++) {
            x = ratio(time[qemu, name], time[kcol[k], name])
            printf " %12s", (x == "-" ? "-" : x "x")
        }
        if (jit && interp) {
            x = ratio(time[interp, name], time[jit, name])
            printf " %11s", (x == "-" ? "-" : x "x")
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
