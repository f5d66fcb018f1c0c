# bench-plot.gp - the bench targets' plots, from the data files
# scripts/bench-lib.sh's plots() writes into dir (build/bench/):
#   pf-cpusN.dat      threads, then per column: median, min, max faults/s
#   mix-share.dat     cpus, then per column: mix 1+1 faults/s as % of pf 1
#   mix-mapper.dat    cpus, then per column: mix 1+1 mapper ops/s
#   churn.dat         cpus, then per column: churn ops/s
# (a column is a lock mode of faultline or a Linux kernel; "-": no figure).
# Variables (gnuplot -e): dir, title (the machine and date), cpus ("1 2 4"),
# ncols (how many columns).
# Each point or bar is the median of the runs, its error bar the min-max.
set terminal pngcairo noenhanced size 1500,520 font ",10"
set datafile missing "-"
set key outside right top
set grid ytics
set format y "%.0f"
np = words(cpus)

# (a) faults/s against threads, one panel per CPU count.
set output dir."/pf-threads.png"
set multiplot layout 1, np title "pfbench pf: faults/s against fault threads (median of runs, bars min-max)\n".title
do for [p = 1:np] {
	f = dir."/pf-cpus".word(cpus, p).".dat"
	stats f every ::1 using 1 nooutput
	set title word(cpus, p)." CPU".(word(cpus, p) eq "1" ? "" : "s")
	set xlabel "fault threads"
	set ylabel "faults/s (pages written per second)"
	set xtics 1
	set xrange [0.5:STATS_max + 0.5]
	set yrange [0:*]
	plot for [i = 0:ncols - 1] f using 1:(column(2 + 3 * i)):(column(3 + 3 * i)):(column(4 + 3 * i)) \
		with yerrorlines lw 2 pt 7 title columnhead(2 + 3 * i)
}
unset multiplot

# (b) mix 1+1: retention (faults/s as % of pf 1) and mapper ops/s, bars per
# CPU count and column; (c) churn ops/s the same way.
set style data histogram
set style histogram errorbars gap 2 lw 1
set style fill solid 0.8 border -1
set xrange [*:*]
set xtics auto
set xlabel "guest CPUs"
unset title

set output dir."/mix.png"
set multiplot layout 1, 2 title "pfbench mix 1+1 (one fault thread + one mmap/munmap thread; median of runs, bars min-max)\n".title
set title "fault thread's faults/s as % of pf 1 thread's (the issue's floor: 90%)"
set ylabel "% of pf 1 thread"
set yrange [0:*]
set format y "%.0f"
plot for [i = 0:ncols - 1] dir."/mix-share.dat" using (column(2 + 3 * i)):(column(3 + 3 * i)):(column(4 + 3 * i)):xtic(1) \
	title columnhead(2 + 3 * i)
set title "mapper ops/s (mmap + touch + munmap loops)"
set ylabel "mapper ops/s"
set format y "%.0f"
plot for [i = 0:ncols - 1] dir."/mix-mapper.dat" using (column(2 + 3 * i)):(column(3 + 3 * i)):(column(4 + 3 * i)):xtic(1) \
	title columnhead(2 + 3 * i)
unset multiplot

set output dir."/churn.png"
set title "pfbench churn: one thread per CPU looping mmap/mprotect/mremap/madvise/munmap (median of runs, bars min-max)\n".title
set ylabel "ops/s (address-space changes per second, all threads)"
plot for [i = 0:ncols - 1] dir."/churn.dat" using (column(2 + 3 * i)):(column(3 + 3 * i)):(column(4 + 3 * i)):xtic(1) \
	title columnhead(2 + 3 * i)
