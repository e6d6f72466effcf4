package dev.kiln.cli;

/** Human-readable sizes and counts for tables. */
final class Bytes {
    private Bytes() {}

    static String human(long bytes) {
        if (bytes < 1024) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double v = bytes;
        int u = -1;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return String.format("%.2f %s", v, units[u]);
    }

    /** 7241732096 -> "7.24 B", 260032 -> "260.03 K". */
    static String count(long n) {
        if (n >= 1_000_000_000L) {
            return String.format("%.2f B", n / 1e9);
        }
        if (n >= 1_000_000L) {
            return String.format("%.2f M", n / 1e6);
        }
        return n >= 1000 ? String.format("%.2f K", n / 1e3) : Long.toString(n);
    }
}
