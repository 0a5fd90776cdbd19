# OpenSSH sshd serving SFTP only, for the user dataops-sftp, with key authentication.
# sshd insists that every folder above the chroot and the authorized keys is root-owned and not
# writable by others; a clone under /tmp (sticky, world-writable) would fail that, so the served
# folder lives under /var/lib/dataops, one per DATAOPS_HOME. Remote upload/ = $SFTP_SERVED/root/upload.

SFTP_DIR=$STACK/sftp
SFTP_SERVED=${DATAOPS_SFTP_CHROOT:-/var/lib/dataops/sftp-$(printf '%s' "$DATAOPS_HOME" | md5sum | cut -c1-8)}
SFTP_PIDFILE=$RUN/sshd.pid
SFTP_USER=dataops-sftp

start_sftp() {
  if pid_alive "$(pid_from "$SFTP_PIDFILE")"; then return; fi
  ensure_port_free "$SFTP_PORT" sftp DATAOPS_SFTP_PORT
  if ! id "$SFTP_USER" >/dev/null 2>&1; then
    useradd --system --no-create-home --home-dir / --shell /usr/sbin/nologin "$SFTP_USER"
  fi
  # a locked password ('!') makes sshd refuse even key logins when PAM is off
  usermod -p '*' "$SFTP_USER"
  mkdir -p "$SFTP_DIR" "$SFTP_SERVED/root/upload" /run/sshd
  chmod 755 /var/lib/dataops "$SFTP_SERVED" "$SFTP_SERVED/root"
  chown "$SFTP_USER" "$SFTP_SERVED/root/upload"; chmod 755 "$SFTP_SERVED/root/upload"
  [ -f "$SFTP_DIR/host_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C dataops-sftp-host -f "$SFTP_DIR/host_ed25519"
  [ -f "$SECRETS/sftp_id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -C dataops-pipeline -f "$SECRETS/sftp_id_ed25519"
  chmod 600 "$SECRETS/sftp_id_ed25519"
  install -m 644 "$SECRETS/sftp_id_ed25519.pub" "$SFTP_SERVED/authorized_keys"
  printf '[127.0.0.1]:%s %s\n' "$SFTP_PORT" "$(cut -d' ' -f1,2 "$SFTP_DIR/host_ed25519.pub")" > "$SECRETS/sftp_known_hosts"
  chmod 600 "$SECRETS/sftp_known_hosts"
  cat > "$SFTP_DIR/sshd_config" <<CONF
Port $SFTP_PORT
ListenAddress 127.0.0.1
HostKey $SFTP_DIR/host_ed25519
PidFile $SFTP_PIDFILE
AuthorizedKeysFile $SFTP_SERVED/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
PermitRootLogin no
UsePAM no
AllowUsers $SFTP_USER
Subsystem sftp internal-sftp
Match User $SFTP_USER
  ChrootDirectory $SFTP_SERVED/root
  ForceCommand internal-sftp
  AllowTcpForwarding no
  X11Forwarding no
CONF
  /usr/sbin/sshd -t -f "$SFTP_DIR/sshd_config" || die 1 "sshd rejected $SFTP_DIR/sshd_config"
  /usr/sbin/sshd -f "$SFTP_DIR/sshd_config" -E "$LOGS/sshd.log"
  wait_for sftp 20 "$LOGS/sshd.log" bash -c "exec 3<>/dev/tcp/127.0.0.1/$SFTP_PORT"
  say "sftp ready on 127.0.0.1:$SFTP_PORT (user $SFTP_USER, remote upload/ = $SFTP_SERVED/root/upload)"
}

stop_sftp() { stop_pidfile sftp "$SFTP_PIDFILE"; }
status_sftp() { show_status sftp "$SFTP_PIDFILE" "$SFTP_PORT" "user $SFTP_USER, key .dataops/secrets/sftp_id_ed25519, pinned .dataops/secrets/sftp_known_hosts"; }
