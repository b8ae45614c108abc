"""The CUPS backend `cupspykota`: the per-job flow, split in small modules.

  main        what cupsd (or an admin) runs: discovery, a job, --install / --replay / --serve
  flow        one job: spool, precount, decide, print (flow.run, the only entry of a job)
  charge      after printing: the pages, the job's one Charge applied exactly once or journaled
  job         what the flow hands from step to step (Setup, Decided)
  state       what a job shares with its SIGTERM handler (JobState, its Phase); the helper's socket
  exits       the exit codes (BackendExit), and the guard that lets no other code reach CUPS
  jobinfo     argv / environment / device URI, the job's data spooled once (size, MD5)
  cupsio      what we tell CUPS (INFO:, ERROR:, STATE: lines), option strings
  discovery   `cupspykota` without arguments: the other backends' devices, wrapped
  precount    the page count before printing, in-process or in a forked child
  decide      the directory's verdict for one job (policy, duplicates, billing codes, quotas,
              balance reservation)
  commands    the external commands of pykota.conf (prehook, posthook, ...): the job's values
              reach them as PYKOTA* variables only
  notify      mailto: why a job was refused or warned
  run         the real backend as a child, its stderr passed through unchanged
  hardware    hardware(snmp...): the printer's life page counter before and after the job
  journal     charges that could not reach the directory, kept durably on local disk
  server      `--serve`: the resident helper, and the hand-over of a job to it
  install     copy the backend into CUPS' backend directory, the config skeleton into /etc/pykota

Only `main` (with `exits`, `state` and `cupsio`) is imported when CUPS runs the backend;
everything heavy is imported lazily.
"""
