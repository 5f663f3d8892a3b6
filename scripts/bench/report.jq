# The guest's results as one row per workload x fs x arm x kernel, the
# targets judged on those rows, and the per-kernel tables of results.md.
# A jq module: scripts/bench.sh includes it (jq -L scripts/bench), and so
# does scripts/bench/chart.sh.
#
# A row:
#   {kernel, release, workload, fs, arm, noisy, status, reason?,
#    ratio: {median, p25, p75}?, full_noop?, version?, refuses_unlisted?}
# arm is off, noop, full, fapolicyd or ima-appraise; status is ok, or for a
# peer the status the guest gave it (failed, unavailable), not_run when the
# guest ran no peer arm at all, not_measured when a peer that ran has
# nothing to judge in the workload (the guest's "<peer>_not_measured"
# says why), failed when an arm that ran has no ratio for the workload. ratio is the arm's time over OFF's in the same round,
# median [p25, p75] over rounds, as the guest gives it (1 for OFF itself).
# full_noop, on the full rows: FULL over NOOP, per round when the guest
# gives it ("full_noop" in the workload), else the FULL/OFF median over the
# NOOP/OFF median, with no spread; "from" says which.

# The arms in the order they are shown: the guest's key for each one's
# ratio to OFF, the peer it is (the key of its entry in the guest's
# "peers"), and its name in tables, legends and targets.
def bench_arms: [
	{arm: "off", label: "OFF"},
	{arm: "noop", key: "noop_off", label: "NOOP"},
	{arm: "full", key: "full_off", label: "FULL"},
	{arm: "fapolicyd", key: "fapolicyd_off", peer: "fapolicyd", label: "fapolicyd"},
	{arm: "ima-appraise", key: "ima_appraise_off", peer: "ima_appraise", label: "IMA-appraise"}];

# The highest FULL/NOOP each workload may reach: imaguard's own code over
# the floor of three empty programs per hook.
def bench_floor_limits: {
	exec_static: 1.01, exec_dynamic: 1.01, mmap_anon: 1.01,
	open_short: 1.02, open_deep: 1.02, mmap_exec_lib: 1.02, create_unlink: 1.02};

# The work no hook sees: it checks the run, it is not compared with peers.
def bench_is_control: .workload == "control";

def bench_r6: (. * 1000000 | round) / 1000000;

# {median, p25, p75} of a guest spread, or null when it has no median.
def bench_spread:
	if type == "object" and (.median | type) == "number" then {median, p25, p75} else null end;

def bench_where: if .fs == null or .fs == "none" then "" else ", " + .fs end;

def bench_guests: .[] | select(.instrument == "guest");

# bench_rows: the rows of the instruments (results.json's .instruments).
def bench_rows: [bench_guests as $g | ($g.workloads // [])[] as $w | bench_arms[] as $a |
	($w | if $a.key then .[$a.key] else null end | bench_spread) as $r |
	{kernel: $g.series, release: $g.kernel, workload: $w.name, fs: $w.fs, arm: $a.arm,
	 noisy: ($g.noisy == true)} +
	(if $a.arm == "off" then
		if ($w.full_off | bench_spread) != null or ($w.noop_off | bench_spread) != null then
			{status: "ok", ratio: {median: 1, p25: 1, p75: 1}}
		else {status: "failed", reason: ($w.error // "the guest gave no ratio for this workload")} end
	elif $r != null then {status: "ok", ratio: $r}
	elif $a.peer == null then
		{status: "failed", reason: ($w.error // "the guest gave no \($a.label)/OFF ratio for this workload")}
	elif $g.peers == null then
		{status: "not_run", reason: "the guest ran no peer arms"}
	elif $g.peers[$a.peer] == null then
		{status: "not_run", reason: "the guest says nothing of \($a.peer)"}
	elif $g.peers[$a.peer].status != "ok" then
		{status: ($g.peers[$a.peer].status // "failed"), reason: ($g.peers[$a.peer].reason // "")}
	elif ($w["\($a.peer)_not_measured"] | type) == "string" then
		{status: "not_measured", reason: $w["\($a.peer)_not_measured"]}
	else
		{status: "failed", reason: ($w["\($a.peer)_error"] // $w.error //
			"the guest gave no \($a.label)/OFF ratio for this workload")}
	end) +
	(if $a.peer != null and ($g.peers[$a.peer]? | type) == "object" then
		$g.peers[$a.peer] | {version, refuses_unlisted} | with_entries(select(.value != null))
	else {} end) +
	(if $a.arm != "full" then {}
	elif ($w.full_noop | bench_spread) != null then
		{full_noop: (($w.full_noop | bench_spread) + {from: "per round"})}
	elif ($w.full_off | bench_spread) != null and ($w.noop_off | bench_spread) != null then
		{full_noop: {median: ($w.full_off.median / $w.noop_off.median | bench_r6),
			p25: null, p75: null, from: "ratio of the medians"}}
	else {full_noop: null} end)];

def bench_key: "\(.kernel)\t\(.workload)\t\(.fs)\t\(.arm)";

# bench_row_targets(instruments): per kernel, FULL/NOOP within the floor's
# limit on the workloads that have one, and FULL/OFF at or below each
# peer's on every workload. A target that could not be judged is there,
# missed, with its reason.
def bench_row_targets($ins):
	. as $rows |
	(map({key: bench_key, value: .}) | from_entries) as $ix |
	[bench_arms[] | select(.peer)] as $peers |
	def t($name; $value; $limit; $met; $note):
		{instrument: "guest", kernel: .kernel, name: $name, value: $value, limit: $limit,
		 op: "<=", met: $met} + (if $note == null then {} else {note: $note} end);
	def missed($why): "missed: " + $why;
	[$ins | bench_guests | .series as $k | [(.workloads // [])[] | .name] as $names |
		(bench_floor_limits | to_entries[] | select(.key as $n | any($names[]; . == $n) | not) |
			. as $e | {kernel: $k} | t("\($e.key) FULL/NOOP (\($k))"; null; $e.value; false;
				missed("not measured on this kernel"))),
		(select($names | length == 0) | $peers[] |
			. as $p | {kernel: $k} | t("FULL/OFF <= \($p.label)/OFF on every workload (\($k))"; null; null;
				false; missed("not measured on this kernel")))] +
	[$rows[] | select(.arm == "full") | . as $f |
		(select(bench_floor_limits[.workload] != null) |
			(.full_noop.median // null) as $v |
			t("\(.workload) FULL/NOOP\(bench_where) (\(.kernel))"; $v; bench_floor_limits[.workload];
				($v != null and $v <= bench_floor_limits[.workload]);
				(if $v == null then missed("not measured")
				 elif .full_noop.from == "ratio of the medians" then
					"the FULL/OFF median over the NOOP/OFF median"
				 else null end))),
		(select(bench_is_control | not) | $peers[] as $p |
			($ix[$f | .arm = $p.arm | bench_key]) as $peer |
			$f | (.ratio.median // null) as $v |
			t("\(.workload) FULL/OFF <= \($p.label)/OFF\(bench_where) (\(.kernel))"; $v;
				(if $peer.status == "ok" then $peer.ratio.median else null end);
				($v != null and $peer.status == "ok" and $v <= $peer.ratio.median);
				(if $peer.status != "ok" then
					missed("peer not measured (\($peer.status // "no row" | gsub("_"; " "))" +
						(if ($peer.reason // "") != "" then ": \($peer.reason)" else "" end) + ")")
				 elif $v == null then missed("FULL not measured")
				 elif $peer.refuses_unlisted == false then
					"\($p.label) did not refuse the unlisted program in this run"
				 else null end)))];

# ---- results.md ----------------------------------------------------------

# . with $d decimals, always all of them.
def bench_fixed($d): (. * pow(10; $d) | round) as $i |
	($i | fabs | tostring) as $s |
	(reduce range(0; $d + 1 - ($s | length)) as $_ ($s; "0" + .)) as $p |
	(if $i < 0 then "-" else "" end) +
	(if $d == 0 then $p else $p[:($p | length) - $d] + "." + $p[($p | length) - $d:] end);

def bench_ratio: if type != "number" then "–" elif fabs >= 10 then bench_fixed(2) else bench_fixed(3) end;

def bench_cell: if .status != "ok" then "*\(.status | gsub("_"; " "))*"
	else "\(.ratio.median | bench_ratio) [\(.ratio.p25 | bench_ratio)–\(.ratio.p75 | bench_ratio)]" end;

# bench_tables(results): per kernel, a table of each workload's ratios, the
# targets judged on them, and what became of each peer.
def bench_tables($res):
	def row: "| " + (map(tostring | gsub("\\|"; "\\|") | gsub("\n"; " ")) | join(" | ")) + " |";
	def met: if . == true then "met" elif . == false then "**missed**" else "–" end;
	($res.rows // []) as $rows |
	($res.targets // []) as $targets |
	(reduce $rows[] as $r ({}; .[$r | bench_key] = $r)) as $ix |
	reduce ($rows[] | .kernel) as $k ([]; if any(.[]; . == $k) then . else . + [$k] end) |
	if length == 0 then "" else
	"\n## imaguard against its floor and its peers\n\n" +
	"Each workload's time under an arm over its time with nothing attached (OFF) in the" +
	" same round: median [p25–p75] over rounds. NOOP is the floor (empty programs on" +
	" the same hooks), FULL is imaguard. FULL/NOOP is per round where the guest gives it;" +
	" where it shows no spread it is the FULL/OFF median over the NOOP/OFF median.\n\n" +
	"![each workload's ratio to OFF under each arm, per kernel](chart.svg)\n" +
	(map(. as $k |
		[$rows[] | select(.kernel == $k and .arm == "full")] as $fulls |
		[$targets[] | select(.kernel == $k and (.name | test("FULL/NOOP|FULL/OFF <= ")))] as $kt |
		"\n### \($k)" +
		(if any($fulls[]; .noisy) then ": **NOISY RUN: indicative only**" else "" end) +
		"\n\nTargets: \([$kt[] | select(.met == true)] | length) of \($kt | length) met" +
		" (FULL/NOOP at most its limit; FULL/OFF at or below each peer's).\n\n" +
		([["workload", "fs", "FULL/OFF", "NOOP/OFF", "FULL/NOOP", "FULL/NOOP target",
			"fapolicyd/OFF", "IMA-appraise/OFF", "FULL ≤ fapolicyd / IMA-appraise"] | row,
			(map("---") | row)] +
		 [$fulls[] | . as $f |
			(bench_floor_limits[.workload]) as $lim |
			[bench_arms[] | select(.peer) | .label as $l |
				[$kt[] | select(.name == "\($f.workload) FULL/OFF <= \($l)/OFF\($f | bench_where) (\($k))")] |
				if length == 0 then empty
				elif .[0].met then "met"
				elif (.[0].note // "") | test("peer not measured") then "**not measured**"
				else "**missed**" end] as $pt |
			[.workload, .fs, bench_cell,
			 ($ix[$f | .arm = "noop" | bench_key] | bench_cell),
			 (if .full_noop == null then "–"
			  elif .full_noop.p25 == null then (.full_noop.median | bench_ratio)
			  else "\(.full_noop.median | bench_ratio) [\(.full_noop.p25 | bench_ratio)–\(.full_noop.p75 | bench_ratio)]" end),
			 (if $lim == null then "–"
			  else "≤ \($lim) " + ((.full_noop.median // null) as $v | $v != null and $v <= $lim | met) end),
			 ($ix[$f | .arm = "fapolicyd" | bench_key] | bench_cell),
			 ($ix[$f | .arm = "ima-appraise" | bench_key] | bench_cell),
			 (if ($pt | length) == 0 then "–" else $pt | join(" / ") end)] | row] | join("\n")) + "\n\n" +
		([bench_arms[] | select(.peer) as $p |
			[$rows[] | select(.kernel == $k and .arm == $p.arm)] as $pr |
			($pr | map(select(.status == "ok")) | length) as $ok |
			($pr[0] // {}) as $one |
			"- \($p.label): " +
			(if ($pr | length) > 0 and $ok == ($pr | length) then "ran"
			 elif $ok > 0 then "ran on \($ok) of \($pr | length) workloads"
			 else "**\($one.status // "not run" | gsub("_"; " "))**" end) +
			(if $one.version then ", version \($one.version)" else "" end) +
			(if $one.refuses_unlisted == true then ", refused the unlisted program"
			 elif $one.refuses_unlisted == false then ", **did not refuse the unlisted program**"
			 else "" end) +
			([$pr[] | select(.status != "ok") | .reason // empty] | unique |
				if length > 0 then ": " + join("; ") else "" end)] | join("\n")) + "\n"
	) | join(""))
	end;
