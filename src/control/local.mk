# src/control: starting, stopping and notifying the daemon (control.c),
# shared by ods-control and ods-ksmutil.
