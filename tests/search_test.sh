#!/usr/bin/env bash
# tools/search/infomorph-search end to end on a small slice of the shipped MNIST.
#   search_test.sh INFOMORPH MNIST_DIR sqlite     4 one-epoch trials, 2 workers; best -> goal file -> train --goal-file
#   search_test.sh INFOMORPH MNIST_DIR postgres   a throwaway PostgreSQL 15; two run processes share one study
#   search_test.sh INFOMORPH MNIST_DIR pruner     the median and Hyperband pruners stop a hopeless trial
#   search_test.sh INFOMORPH MNIST_DIR ablate     ablation on 2 parameters, 1 seed, mode zero, cumulative
#   search_test.sh INFOMORPH MNIST_DIR elsewhere  ablate while another process finishes the run it trains
# Exit 77 (CTest: skipped) only when Optuna or the PostgreSQL binaries are missing.
set -u
bin="$1"
mnist="$2"
what="$3"
source "$(dirname "$0")/cli_lib.sh"
export OPENBLAS_NUM_THREADS=1
search="$(dirname "$0")/../tools/search/infomorph-search"

# The Python that has Optuna: the one on PATH, else Debian's.
py=""
for p in python3 /usr/bin/python3; do
  if "$p" -c "import optuna" 2>/dev/null; then py="$p"; break; fi
done
[ -n "$py" ] || { echo "SKIP: no Python with optuna (apt-get install python3-optuna)"; exit 77; }

train=(--limit 2000 --epochs 1 --batch 200 --hidden 20 --threads 1 --data-dir "$mnist")
count() {  # count STORAGE STUDY STATE...: trials of the study in those states
  "$py" - "$@" <<'PY'
import sys, optuna
storage, study, states = sys.argv[1], sys.argv[2], sys.argv[3:]
if storage.startswith("journal:"):
    storage = optuna.storages.JournalStorage(optuna.storages.JournalFileStorage(storage[8:]))
s = optuna.load_study(storage=storage, study_name=study)
print(sum(t.state.name in states for t in s.get_trials()))
PY
}

case "$what" in
sqlite)
  db="sqlite:///$tmp/s.db"
  "$py" "$search" run --storage "$db" --study ci --trials 4 --workers 2 --startup-trials 2 --seed 1 --out "$tmp/trials" \
    --infomorph "$bin" -- "${train[@]}" >"$tmp/out" 2>"$tmp/err" || fail "run: status $? ($(tail -n 3 "$tmp/err"))"
  [ "$(count "$db" ci COMPLETE)" = 4 ] || fail "run: not 4 complete trials: $(cat "$tmp/out")"
  # Rerunning continues the study.
  "$py" "$search" run --storage "$db" --study ci --trials 1 --out "$tmp/trials" --infomorph "$bin" -- "${train[@]}" \
    >"$tmp/out" 2>"$tmp/err" || fail "rerun: status $?"
  [ "$(count "$db" ci COMPLETE)" = 5 ] || fail "rerun: the study did not continue"
  for n in 0 1 2 3 4; do [ -s "$tmp/trials/trial-$n/log.jsonl" ] || fail "trial-$n: no log"; done
  "$py" "$search" best --storage "$db" --study ci --out "$tmp/goal.json" >"$tmp/out" 2>"$tmp/err" || fail "best: status $?"
  # The goal the best trial trained with (its goal.json, written by infomorph train) is the goal file's.
  "$py" - "$tmp" <<'PY' || fail "best: goal file"
import json, sys, sqlite3, glob
tmp = sys.argv[1]
g = json.load(open(tmp + "/goal.json"))
assert g["format"] == "infomorph-goal" and g["sources"] == 3 and len(g["gamma"]) == 19 and g["atoms"][-1] == "H_res"
assert g["gamma"][-1] == 0.0, "H_res is fixed at 0 by default"
assert all(-1 <= v <= 1 for v in g["gamma"])
t = g["source"]["trial"]
trained = json.load(open(f"{tmp}/trials/trial-{t}/goal.json"))
assert trained["gamma"] == g["gamma"], (trained["gamma"], g["gamma"])
PY
  "$bin" train "${train[@]}" --goal-file "$tmp/goal.json" --out "$tmp/retrain" >"$tmp/out" 2>"$tmp/err" \
    || fail "train --goal-file: status $? ($(cat "$tmp/err"))"
  cmp -s "$tmp/goal.json" "$tmp/retrain/goal.json" || "$py" -c "
import json,sys; a=json.load(open('$tmp/goal.json'))['gamma']; b=json.load(open('$tmp/retrain/goal.json'))['gamma']
sys.exit(a != b)" || fail "train --goal-file: trained with another goal"
  "$py" "$search" report --storage "$db" --study ci --out "$tmp/report" >"$tmp/out" 2>"$tmp/err" || fail "report: status $?"
  [ "$(wc -l <"$tmp/report/trials.csv")" = 6 ] || fail "report: trials.csv has not 5 rows"
  [ -s "$tmp/report/history.png" ] || fail "report: no history.png"
  if "$py" -c "import sklearn" 2>/dev/null; then [ -s "$tmp/report/importances.csv" ] || fail "report: no importances"; fi
  # --rank R: the R-th highest validation accuracy among the complete trials.
  "$py" "$search" best --storage "$db" --study ci --rank 2 --out "$tmp/second.json" >"$tmp/out" 2>"$tmp/err" \
    || fail "best --rank 2: status $?"
  "$py" - "$db" "$tmp/second.json" <<'PY' || fail "best --rank 2: not the second best trial"
import json, sys, optuna
s = optuna.load_study(storage=sys.argv[1], study_name="ci")
order = sorted((t for t in s.get_trials() if t.state.name == "COMPLETE"), key=lambda t: (-t.value, t.number))
g = json.load(open(sys.argv[2]))
assert g["source"]["trial"] == order[1].number and g["source"]["rank"] == 2, (g["source"], [t.number for t in order])
PY
  expect_error "best --rank past the trials" "--rank: the study has 5 complete trials, not 6" \
    "$py" "$search" best --storage "$db" --study ci --rank 6 --out "$tmp/x.json"
  # --enqueue-goal: the goal file's goal is the first trial of a new study, queued once only.
  for n in 1 2; do
    "$py" "$search" run --storage "$db" --study warm --trials 1 --startup-trials 1 --enqueue-goal "$tmp/second.json" \
      --out "$tmp/warm" --infomorph "$bin" -- "${train[@]}" >"$tmp/out" 2>"$tmp/err" || fail "enqueue-goal: status $?"
  done
  "$py" - "$db" "$tmp/second.json" <<'PY' || fail "enqueue-goal: the first trial is not the goal file's, or it ran twice"
import json, sys, optuna
s = optuna.load_study(storage=sys.argv[1], study_name="warm")
trials = s.get_trials()
gamma = json.load(open(sys.argv[2]))["gamma"]
first = [trials[0].params[n] for n in json.load(open(sys.argv[2]))["atoms"][:18]]
assert len(trials) == 2 and all(t.state.name == "COMPLETE" for t in trials), [t.state for t in trials]
assert first == gamma[:18] and trials[0].user_attrs["gamma"] == gamma, (first, gamma)
assert trials[1].params != trials[0].params
PY
  "$py" -c "import json,sys; g=json.load(open('$tmp/second.json')); g['gamma'][4]=1.5; json.dump(g, open('$tmp/wide.json','w'))"
  expect_error "enqueue-goal out of range" "--enqueue-goal $tmp/wide.json: atom {1}{2,3} = 1.5 lies outside its search range [-1, 1]" \
    "$py" "$search" run --storage "$db" --study warm --trials 1 --enqueue-goal "$tmp/wide.json" --out "$tmp/x" \
    --infomorph "$bin" -- "${train[@]}"
  expect_error "best of a missing study" "no study named 'nope'" "$py" "$search" best --storage "$db" --study nope --out "$tmp/x.json"
  expect_error "bad space" "--space: 'nope' names no atom" "$py" "$search" run --storage "$db" --study ci --trials 1 \
    --space "nope=1" --out "$tmp/x" --infomorph "$bin" -- "${train[@]}"
  expect_error "gamma in the flags" "--gamma: set by infomorph-search" "$py" "$search" run --storage "$db" --study ci \
    --trials 1 --out "$tmp/x" --infomorph "$bin" -- "${train[@]}" --gamma=1
  # A failing training is a FAIL trial, not the end of the search; when all of them fail, the
  # command says so with status 1.
  "$py" "$search" run --storage "$db" --study broken --trials 2 --out "$tmp/broken" --infomorph "$bin" -- \
    "${train[@]}" --kind nope >"$tmp/out" 2>"$tmp/err"
  [ $? = 1 ] || fail "failing trials: status not 1"
  [ "$(count "$db" broken FAIL)" = 2 ] || fail "failing trials: not recorded as FAIL"
  grep -q "trial 1 failed: infomorph train exited with status 2: .*no network kind named 'nope'" "$tmp/err" || fail "failing trials: $(cat "$tmp/err")"
  ;;
postgres)
  pg=/usr/lib/postgresql/15/bin
  [ -x "$pg/initdb" ] && [ -x "$pg/pg_ctl" ] || { echo "SKIP: no PostgreSQL 15 (apt-get install postgresql-15)"; exit 77; }
  "$py" -c "import psycopg2" 2>/dev/null || { echo "SKIP: no psycopg2 (apt-get install python3-psycopg2)"; exit 77; }
  # PostgreSQL refuses to run as root: as root (CI), the server runs as nobody.
  as=()
  if [ "$(id -u)" = 0 ]; then as=(runuser -u nobody --); fi
  pgdir="$(mktemp -d /tmp/infomorph-pg.XXXXXX)"
  chmod 777 "$pgdir"
  port=$("$py" -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")
  stop_pg() { "${as[@]}" "$pg/pg_ctl" -D "$pgdir/data" -m immediate stop >/dev/null 2>&1; rm -rf "$pgdir" "$tmp"; }
  trap stop_pg EXIT
  "${as[@]}" "$pg/initdb" -D "$pgdir/data" -U search --auth=trust >"$pgdir/initdb.log" 2>&1 || { cat "$pgdir/initdb.log"; fail "initdb"; exit 1; }
  "${as[@]}" "$pg/pg_ctl" -D "$pgdir/data" -l "$pgdir/server.log" -w \
    -o "-p $port -k $pgdir -c listen_addresses=127.0.0.1" start >/dev/null || { cat "$pgdir/server.log"; fail "pg_ctl start"; exit 1; }
  db="postgresql://search@127.0.0.1:$port/postgres"
  # Create the study first, so that the two processes do not race to create it.
  "$py" -c "import optuna; optuna.create_study(storage='$db', study_name='shared', direction='maximize')" || fail "create study"
  pids=()
  for w in a b; do
    "$py" "$search" run --storage "$db" --study shared --trials 3 --startup-trials 2 --out "$tmp/trials-$w" \
      --infomorph "$bin" -- "${train[@]}" >"$tmp/out-$w" 2>"$tmp/err-$w" &
    pids+=($!)
  done
  wait "${pids[0]}" || fail "worker a: status $? ($(tail -n 3 "$tmp/err-a"))"
  wait "${pids[1]}" || fail "worker b: status $? ($(tail -n 3 "$tmp/err-b"))"
  "$py" - "$db" "$tmp" <<'PY' || fail "postgres: the processes did not share one study"
import os, sys, optuna
db, tmp = sys.argv[1], sys.argv[2]
trials = optuna.load_study(storage=db, study_name="shared").get_trials()
assert len(trials) == 6, len(trials)
assert all(t.state.name == "COMPLETE" for t in trials), [t.state.name for t in trials]
assert sorted(t.number for t in trials) == list(range(6)), "every trial counted once"
# Each process ran its 3 trials: the trial folders of the two split the numbers between them.
a = {int(d.split("-")[1]) for d in os.listdir(tmp + "/trials-a")}
b = {int(d.split("-")[1]) for d in os.listdir(tmp + "/trials-b")}
assert len(a) == 3 and len(b) == 3 and not (a & b) and a | b == set(range(6)), (a, b)
PY
  ;;
pruner)
  db="sqlite:///$tmp/p.db"
  few=(--limit 2000 --batch 100 --hidden 20 --threads 1 --data-dir "$mnist")
  "$py" "$search" run --storage "$db" --study prune --trials 2 --pruner median --pruner-startup 2 --startup-trials 100 \
    --seed 1 --out "$tmp/trials" --infomorph "$bin" -- "${few[@]}" --epochs 2 >"$tmp/out" 2>"$tmp/err" || fail "run: status $?"
  # Frozen learning rates: the output layer stays at chance (~0.1), far below the median of
  # the two trials above at epoch 1, so the pruner stops the trial after its first epoch, long
  # before its 100 epochs end.
  "$py" "$search" run --storage "$db" --study prune --trials 1 --pruner median --pruner-startup 2 --seed 2 \
    --out "$tmp/trials" --infomorph "$bin" -- "${few[@]}" --epochs 100 --lr-output 1e-12 --lr-hidden 1e-12 \
    >"$tmp/out" 2>"$tmp/err" || fail "run: status $?"
  [ "$(count "$db" prune PRUNED)" = 1 ] || fail "pruner: no PRUNED trial ($(cat "$tmp/out"))"
  [ "$(count "$db" prune COMPLETE)" = 2 ] || fail "pruner: not 2 complete trials"
  [ "$(wc -l <"$tmp/trials/trial-2/log.jsonl")" -lt 20 ] || fail "pruner: the pruned training was not stopped"
  # Hyperband from epoch 2 of 4 (one bracket, its rung at epoch 2): two trials, then the frozen
  # one, which is not the best of the three at the rung, so it stops there, not after epoch 1.
  hb="sqlite:///$tmp/h.db"
  hyperband=(run --storage "$hb" --study hb --pruner hyperband --pruner-min-epochs 2 --startup-trials 100
             --infomorph "$bin")
  "$py" "$search" "${hyperband[@]}" --trials 2 --seed 1 --out "$tmp/hb" -- "${few[@]}" --epochs 4 \
    >"$tmp/out" 2>"$tmp/err" || fail "hyperband: status $? ($(tail -n 3 "$tmp/err"))"
  "$py" "$search" "${hyperband[@]}" --trials 1 --seed 2 --out "$tmp/hb" -- "${few[@]}" --epochs 4 \
    --lr-output 1e-12 --lr-hidden 1e-12 >"$tmp/out" 2>"$tmp/err" || fail "hyperband: status $?"
  "$py" - "$hb" <<'PY' || fail "hyperband: the frozen trial did not stop at its rung (epoch 2)"
import sys, optuna
t = optuna.load_study(storage=sys.argv[1], study_name="hb").trials[2]
assert t.state.name == "PRUNED" and t.last_step == 2, (t.state, t.last_step, t.intermediate_values)
PY
  "$py" "$search" "${hyperband[@]}" --trials 1 --pruner-min-epochs 5 --out "$tmp/hb" -- "${few[@]}" --epochs 4 \
    >"$tmp/out" 2>"$tmp/err" && fail "hyperband: a first rung after the last epoch was accepted"
  grep -q -- "--pruner-min-epochs 5: more than the trials' --epochs 4" "$tmp/err" || fail "hyperband: message: $(cat "$tmp/err")"
  ;;
ablate)
  db="sqlite:///$tmp/a.db"
  "$bin" train --goal opt_1_100_tpe --epochs 1 --limit 200 --data-dir "$mnist" --out "$tmp/g" >/dev/null 2>&1 || fail "goal"
  # Two commands started together on a new database share the queue: both end with the tables,
  # and every run is trained once.
  ablate=("$py" "$search" ablate --goal-file "$tmp/g/goal.json" --seeds 1 --modes zero --params "{1}{2},rl" --cumulative
          --storage "$db" --study ablation --infomorph "$bin")
  timeout 300 "${ablate[@]}" --workers 2 --out "$tmp/ablation" -- "${train[@]}" >"$tmp/out" 2>"$tmp/err" & first=$!
  timeout 300 "${ablate[@]}" --workers 1 --out "$tmp/ablation2" -- "${train[@]}" >"$tmp/out2" 2>"$tmp/err2" & second=$!
  wait $first || fail "ablate: status $? ($(tail -n 3 "$tmp/err"))"
  wait $second || fail "ablate, second command: status $? ($(tail -n 3 "$tmp/err2"))"
  cmp -s "$tmp/ablation/cumulative.csv" "$tmp/ablation2/cumulative.csv" || fail "ablate: the two commands' tables differ"
  "$py" - "$db" <<'PY' || fail "ablate: a run trained twice"
import collections, sys, optuna
s = optuna.load_study(storage=sys.argv[1], study_name="ablation")
done = collections.Counter(t.user_attrs.get("ablation") for t in s.get_trials() if t.state.name == "COMPLETE")
assert len(done) == 4 and max(done.values()) == 1, done
PY
  "$py" - "$tmp/ablation" "$tmp/g/goal.json" <<'PY' || fail "ablate: tables"
import csv, json, sys
out, goal = sys.argv[1], json.load(open(sys.argv[2]))["gamma"]
rows = list(csv.DictReader(open(out + "/ablation.csv")))
assert [(r["part"], r["mode"], r["parameter"]) for r in rows] == [
    ("base", "none", "-"), ("single", "zero", "{1}{2}"), ("single", "zero", "{1,3}")], rows
assert all(0 <= float(r["validation_accuracy"]) <= 1 and 0 <= float(r["test_accuracy"]) <= 1 for r in rows)
cum = list(csv.DictReader(open(out + "/cumulative.csv")))
assert [r["k"] for r in cum] == ["0", "1"], cum
assert cum[1]["zeroed"] in ("{1}{2}", "{1,3}")
PY
  [ -s "$tmp/ablation/ablation.png" ] && [ -s "$tmp/ablation/cumulative.png" ] || fail "ablate: PNG panels"
  # Resumable: the same command again finds every run done and trains nothing.
  before=$(ls "$tmp/ablation/runs" | wc -l)
  "$py" "$search" ablate --goal-file "$tmp/g/goal.json" --seeds 1 --modes zero --params "{1}{2},rl" --cumulative \
    --storage "$db" --study ablation --out "$tmp/ablation" --infomorph "$bin" -- "${train[@]}" >"$tmp/out" 2>"$tmp/err" \
    || fail "ablate again: status $?"
  [ "$(ls "$tmp/ablation/runs" | wc -l)" = "$before" ] || fail "ablate again: trained again instead of resuming"
  # --cumulative-k: a bad list is refused before anything trains; a good one runs its k in the
  # order given (k = 2 before k = 1 here) and the table lists them by k.
  order=("$py" "$search" ablate --goal-file "$tmp/g/goal.json" --seeds 1 --modes zero --params "{1}{2},rl,H_res"
         --storage "$db" --study order --out "$tmp/order" --infomorph "$bin")
  "${order[@]}" --cumulative-k 1-3 -- "${train[@]}" >"$tmp/out4" 2>"$tmp/err4"
  [ $? = 2 ] && grep -q -- "--cumulative-k: k = 3 is outside 1..2" "$tmp/err4" || fail "cumulative-k: bad range not refused ($(cat "$tmp/err4"))"
  [ ! -e "$tmp/order" ] || fail "cumulative-k: a refused command trained"
  "${order[@]}" --cumulative-k 2,1 -- "${train[@]}" >"$tmp/out4" 2>"$tmp/err4" || fail "cumulative-k: status $? ($(tail -n 3 "$tmp/err4"))"
  "$py" - "$db" "$tmp/order/cumulative.csv" <<'PY' || fail "cumulative-k: order"
import csv, sys, optuna
s = optuna.load_study(storage=sys.argv[1], study_name="order")
number = {t.user_attrs["ablation"].split("|")[1]: t.number for t in s.get_trials()
          if t.state.name == "COMPLETE" and t.user_attrs["ablation"].startswith("cumulative|")}
assert sorted(number) == ["1", "2"] and number["2"] < number["1"], number
assert [r["k"] for r in csv.DictReader(open(sys.argv[2]))] == ["0", "1", "2"]
PY
  # A command killed mid-run (SIGKILL, no Ctrl-C) leaves a running trial; once its heartbeat is
  # older than 3 heartbeats, the next command fails it and trains the run again.
  killed=("$py" "$search" ablate --goal-file "$tmp/g/goal.json" --seeds 1 --modes zero --params rl --heartbeat 1
          --storage "$db" --study killed --out "$tmp/killed" --infomorph "$bin" --
          --limit 2000 --epochs 3 --batch 200 --hidden 20 --threads 1 --data-dir "$mnist")
  setsid "${killed[@]}" >"$tmp/out3" 2>"$tmp/err3" & pid=$!
  for _ in $(seq 100); do [ -e "$tmp/killed/runs/trial-0/config.json" ] && break; sleep 0.1; done
  kill -KILL -- -"$pid"; wait "$pid" 2>/dev/null
  [ "$(count "$db" killed RUNNING)" = 1 ] || fail "kill: no running trial left behind"
  "${killed[@]}" >"$tmp/out3" 2>"$tmp/err3" || fail "ablate after kill: status $? ($(tail -n 3 "$tmp/err3"))"
  [ "$(count "$db" killed FAIL)" = 1 ] && [ "$(count "$db" killed COMPLETE)" = 2 ] \
    || fail "ablate after kill: the killed run was not failed and run again"
  ;;
elsewhere)
  # The run this command trains is finished by another process first (as when two processes pop
  # one queued trial, or a stalled heartbeat let a third fail it): this command's own result
  # is refused, and it must take the other one instead of waiting for a run it thinks running.
  db="sqlite:///$tmp/e.db"
  "$bin" train --goal opt_1_100_tpe --epochs 1 --limit 200 --data-dir "$mnist" --out "$tmp/g" >/dev/null 2>&1 || fail "goal"
  cat >"$tmp/other" <<SH
#!/usr/bin/env bash
# infomorph, but before trial 0 trains another process records it as complete (0.25, 0.125)
case "\$*" in
*/runs/trial-0\ *|*/runs/trial-0) "$py" - <<'PY'
import optuna
st = optuna.storages.RDBStorage("$db")
tid = st.get_trial_id_from_study_id_trial_number(st.get_study_id_from_name("elsewhere"), 0)
st.set_trial_user_attr(tid, "test_accuracy", 0.125)
st.set_trial_state_values(tid, optuna.trial.TrialState.COMPLETE, [0.25])
PY
;;
esac
exec "$bin" "\$@"
SH
  chmod +x "$tmp/other"
  timeout 120 "$py" "$search" ablate --goal-file "$tmp/g/goal.json" --seeds 1 --modes zero --params rl \
    --storage "$db" --study elsewhere --out "$tmp/elsewhere" --infomorph "$tmp/other" -- "${train[@]}" \
    >"$tmp/out" 2>"$tmp/err"
  status=$?
  [ $status = 124 ] && fail "elsewhere: still waiting after 120 s for the run another process finished"
  [ $status = 0 ] || [ $status = 124 ] || fail "elsewhere: status $status ($(tail -n 3 "$tmp/err"))"
  grep -q "trial 0: .*its other result stands" "$tmp/err" || fail "elsewhere: trial 0 was not finished elsewhere ($(cat "$tmp/err"))"
  "$py" - "$tmp/elsewhere/ablation.csv" <<'PY' || fail "elsewhere: the table lacks the other process's result"
import csv, sys
rows = {r["part"]: r for r in csv.DictReader(open(sys.argv[1]))}
assert (rows["base"]["validation_accuracy"], rows["base"]["test_accuracy"], rows["base"]["trial"]) == ("0.25", "0.125", "0"), rows
assert rows["single"]["trial"] == "1" and 0 <= float(rows["single"]["validation_accuracy"]) <= 1, rows
PY
  ;;
*) echo "unknown part '$what'"; exit 1 ;;
esac
[ "$failures" -eq 0 ] || exit 1
echo "search $what: ok"
