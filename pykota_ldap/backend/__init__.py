"""The CUPS backend `cupspykota`: the per-job flow, split in small modules.

  jobinfo     argv / environment / device URI, the job's data spooled once (size, MD5)
  cupsio      what we tell CUPS (INFO:, ERROR:, STATE: lines), option strings
  discovery   `cupspykota` without arguments: the other backends' devices, wrapped
  decide      the directory's verdict for one job (policy, duplicates, billing codes, quotas,
              balance reservation)
  run         the real backend as a child, its stderr passed through unchanged
  accounting  pages after printing: software(), hardware(snmp...), hardware(backend)
  journal     charges that could not reach the directory, kept durably on local disk
  charge      the exactly-once charge (history.charge_job) or the journal
  main        the flow and the exit codes chosen for every path
  install     copy the backend into CUPS' backend directory, the config skeleton into /etc/pykota

Only `main` is imported when CUPS runs the backend; everything heavy is imported lazily.
"""

# Exit codes a CUPS backend may return (cups/backend.h) and what each does to the job
# (shared/reference/test-infrastructure.md 3.4).
OK = 0              # job completed
FAILED = 1          # the queue's printer-error-policy decides (default retry-job)
AUTH_REQUIRED = 2   # held for authentication: never used on purpose
HOLD = 3            # job held, the queue goes on
STOP = 4            # queue stopped, job kept pending
CANCEL = 5          # job cancelled, the queue goes on
RETRY = 6           # job retried later, aborted after JobRetryLimit
RETRY_CURRENT = 7   # job re-run at once
