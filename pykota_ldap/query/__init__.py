"""The users' query service: a user's own commands answered by the root resident helper.

Users are not admins (they cannot read pykotadmin.conf) and no password that reads other
people's data is in a file they can read, so their commands (repykota, pkusers -L, edpykota -L,
pkprinters -L, pkbcodes -L) cannot open the directory themselves. They hand themselves over to
`cupspykota --serve`, which listens on a second Unix socket (mode 0666), learns who is asking from
the kernel (SO_PEERCRED), and runs the command for that user alone: in a forked child that opens
a read-only directory connection with the admin credentials, then becomes the caller (groups,
gid, uid; not dumpable) before it reads any argument, and answers on the caller's own
descriptors with is_admin=False and caller=<the uid's name>.

  protocol  the socket's path, what goes over it and back
  client    the user's side (cli.session): hand the command over, wait for its exit code
  service   the listener in the helper: peer credentials, limits per uid and in total, a time
            limit per query, one forked child per query
  answer    that child: the session, the caller's identity, the command
"""
