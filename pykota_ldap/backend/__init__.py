"""The CUPS backend `cupspykota`: the per-job flow, split in small modules.

  main        what cupsd (or an admin) runs: discovery, a job, --install / --replay / --serve
  flow        one job: spool, precount, decide (flow.run, the only entry of a job)
  printing    a decided job: reserved, refused or printed; the records of one that stops before
  charge      the job's records (give a reservation back, the precount, the charge), each applied
              exactly once or kept in the journal; after printing, the pages
  job         what the flow hands from step to step (Setup, Decided)
  state       what a job shares with its SIGTERM handler (JobState, its Phase); the helper's socket
  exits       the exit codes (BackendExit), and the guard that lets no other code reach CUPS
  jobinfo     argv / environment / device URI, the job's data spooled once (size, MD5)
  cupsio      what we tell CUPS (INFO:, ERROR:, STATE: lines), option strings
  discovery   `cupspykota` without arguments: the other backends' devices, wrapped
  precount    the page count before printing, in-process or in a forked child
  decide      the directory's verdict for one job (policy, duplicates, billing codes, quotas, balance)
  reserve     strict enforcement: what the job will use, counted at admission
  commands    the external commands of pykota.conf (prehook, posthook, ...): the job's values
              reach them as PYKOTA* variables only
  notify      mailto: why a job was refused or warned
  run         the real backend as a child, its stderr passed through unchanged
  hardware    hardware(snmp...): the printer's life page counter before and after the job
  journal     the job's intent log on local disk (R0 give back, R1 precount, R2 charge), locked while it lives
  replay      the journal's records of jobs that ended before the directory had them, applied once
  places      where the backend's own files go: root-only locks, the spool copy's directory
  server      `--serve`: the resident helper, and the hand-over of a job to it
  install     copy the backend into CUPS' backend directory, the config skeleton into /etc/pykota

Only `main` (with `exits`, `state` and `cupsio`) is imported when CUPS runs the backend;
everything heavy is imported lazily.
"""
