package pglocal

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Options says where the cluster lives and how to run it.
type Options struct {
	// DataDir is the cluster's directory; it is created (initdb) on first use
	// and reused afterwards.
	DataDir string
	// BinDir is the directory of the server binaries; empty searches for them.
	BinDir string
	// SearchGlob overrides where binaries are searched for (tests use it).
	SearchGlob string
	// Ephemeral trades durability for speed (fsync, full_page_writes and
	// synchronous_commit off): for test clusters that are thrown away.
	Ephemeral bool
	// Settings are extra server settings (name → value), passed as -c flags.
	Settings map[string]string
	// FallbackRoot holds the cluster instead when the server's OS user (the
	// postgres user, when this process is root) cannot reach DataDir, e.g.
	// under a home directory only root may enter. Default /var/lib/tenancy.
	FallbackRoot string
}

// DefaultFallbackRoot is where clusters go whose data dir the server's OS
// user cannot reach.
const DefaultFallbackRoot = "/var/lib/tenancy"

// Server is a running local PostgreSQL.
type Server struct {
	dataDir  string
	sockDir  string
	port     int
	password string
	cmd      *exec.Cmd
	exited   chan struct{}
	logPath  string
}

const (
	passwordFile = "tenancy.password"
	logFile      = "tenancy-server.log"
	superuser    = "postgres"
)

// Start creates the cluster if needed and starts the server, returning once
// it accepts connections. Cancel ctx to give up waiting.
func Start(ctx context.Context, opts Options) (*Server, error) {
	binDir, err := FindBinaries(opts.BinDir, opts.SearchGlob)
	if err != nil {
		return nil, err
	}
	dataDir, err := filepath.Abs(opts.DataDir)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	cred, err := runAs()
	if err != nil {
		return nil, err
	}
	if dataDir, err = reachableDataDir(dataDir, cred, opts.FallbackRoot); err != nil {
		return nil, err
	}
	sockDir, err := os.MkdirTemp("", "tenancy-pg-sock-")
	if err != nil {
		return nil, fmt.Errorf("socket dir: %w", err)
	}
	if err := ownBy(sockDir, cred); err != nil {
		_ = os.RemoveAll(sockDir)
		return nil, err
	}
	s := &Server{dataDir: dataDir, sockDir: sockDir, logPath: filepath.Join(dataDir, logFile)}
	if err := s.start(ctx, binDir, cred, opts); err != nil {
		_ = os.RemoveAll(sockDir)
		return nil, err
	}
	return s, nil
}

func (s *Server) start(ctx context.Context, binDir string, cred *syscall.Credential, opts Options) error {
	if err := s.initIfNeeded(ctx, binDir, cred); err != nil {
		return err
	}
	password, err := os.ReadFile(filepath.Join(s.dataDir, passwordFile))
	if err != nil {
		return fmt.Errorf("cluster %s was not created by tenancy (no %s): point TENANCY_DATA_DIR elsewhere: %w", s.dataDir, passwordFile, err)
	}
	s.password = strings.TrimSpace(string(password))
	if err := clearStalePID(ctx, s.dataDir); err != nil {
		return err
	}
	var lastErr error
	// A free port can be taken between picking and binding it; try a few.
	for attempt := 0; attempt < 3; attempt++ {
		port, err := freePort()
		if err != nil {
			return err
		}
		s.port = port
		if lastErr = s.launch(ctx, binDir, cred, opts); lastErr == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
	}
	return lastErr
}

func (s *Server) initIfNeeded(ctx context.Context, binDir string, cred *syscall.Credential) error {
	if _, err := os.Stat(filepath.Join(s.dataDir, "PG_VERSION")); err == nil {
		return nil
	}
	// Parents stay traversable: the server may run as another OS user.
	if err := os.MkdirAll(filepath.Dir(s.dataDir), 0o755); err != nil {
		return fmt.Errorf("create data dir: %w", err)
	}
	if err := os.Mkdir(s.dataDir, 0o700); err != nil && !errors.Is(err, os.ErrExist) {
		return fmt.Errorf("create data dir: %w", err)
	}
	if err := checkReachable(s.dataDir, cred); err != nil {
		return err
	}
	if err := ownBy(s.dataDir, cred); err != nil {
		return err
	}
	password := randomHex(24)
	pwFile := filepath.Join(s.sockDir, "initdb.pw")
	if err := os.WriteFile(pwFile, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("write password file: %w", err)
	}
	defer os.Remove(pwFile)
	if err := ownBy(pwFile, cred); err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "initdb"),
		"-D", s.dataDir, "-U", superuser, "--pwfile", pwFile, "-E", "UTF8", "--locale", "C",
		"--auth-local", "trust", "--auth-host", "scram-sha-256", "--no-sync", "--no-instructions")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	cmd.Dir = s.sockDir
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("initdb %s: %w: %s", s.dataDir, err, lastLines(out.String(), 5))
	}
	path := filepath.Join(s.dataDir, passwordFile)
	if err := os.WriteFile(path, []byte(password+"\n"), 0o600); err != nil {
		return fmt.Errorf("write password: %w", err)
	}
	return ownBy(path, cred)
}

func (s *Server) launch(ctx context.Context, binDir string, cred *syscall.Credential, opts Options) error {
	args := []string{"-D", s.dataDir, "-p", strconv.Itoa(s.port),
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=" + s.sockDir}
	settings := map[string]string{}
	if opts.Ephemeral {
		settings["fsync"] = "off"
		settings["full_page_writes"] = "off"
		settings["synchronous_commit"] = "off"
	}
	for k, v := range opts.Settings {
		settings[k] = v
	}
	for k, v := range settings {
		args = append(args, "-c", k+"="+v)
	}
	logOut, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("server log: %w", err)
	}
	defer logOut.Close()
	cmd := exec.Command(filepath.Join(binDir, "postgres"), args...)
	cmd.Dir = s.sockDir
	cmd.Stdout, cmd.Stderr = logOut, logOut
	// Its own process group keeps a terminal's Ctrl-C away from the server,
	// so in-flight requests drain before we stop it; Pdeathsig stops it
	// (fast shutdown) should this process die without stopping it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred, Setpgid: true, Pdeathsig: syscall.SIGINT}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start postgres: %w", err)
	}
	s.cmd = cmd
	s.exited = make(chan struct{})
	go func() { _ = cmd.Wait(); close(s.exited) }()
	if err := s.waitReady(ctx); err != nil {
		_ = s.Stop(context.WithoutCancel(ctx))
		return err
	}
	return nil
}

func (s *Server) waitReady(ctx context.Context) error {
	for {
		select {
		case <-s.exited:
			log, _ := os.ReadFile(s.logPath)
			return fmt.Errorf("postgres exited during start-up: %s", lastLines(string(log), 5))
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections in time: %w", ctx.Err())
		default:
		}
		attempt, cancel := context.WithTimeout(ctx, time.Second)
		conn, err := pgconn.Connect(attempt, s.URL("postgres"))
		cancel()
		if err == nil {
			return conn.Close(ctx)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// URL is a connection URL for the named database.
func (s *Server) URL(database string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.UserPassword(superuser, s.password),
		Host:     net.JoinHostPort("127.0.0.1", strconv.Itoa(s.port)),
		Path:     "/" + database,
		RawQuery: "sslmode=disable",
	}
	return u.String()
}

// Port is the loopback TCP port the server listens on.
func (s *Server) Port() int { return s.port }

// PID is the server's process id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// DataDir is the cluster's directory.
func (s *Server) DataDir() string { return s.dataDir }

// Stop shuts the server down (fast shutdown: clients are disconnected, open
// transactions rolled back) and waits until it exited. If ctx ends first the
// server is killed.
func (s *Server) Stop(ctx context.Context) error {
	defer os.RemoveAll(s.sockDir)
	if s.cmd == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
		return nil
	case <-ctx.Done():
		_ = syscall.Kill(-s.cmd.Process.Pid, syscall.SIGKILL)
		<-s.exited
		return fmt.Errorf("postgres did not stop in time and was killed: %w", ctx.Err())
	}
}

// runAs returns the credentials to run the server with: the postgres OS user
// when this process is root (PostgreSQL refuses to run as root), else nil.
func runAs() (*syscall.Credential, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup(superuser)
	if err != nil {
		return nil, fmt.Errorf("running as root needs a %q OS user to run PostgreSQL as (apt-get install postgresql creates it): %w", superuser, err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), NoSetGroups: true}, nil
}

func ownBy(path string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	if err := os.Chown(path, int(cred.Uid), int(cred.Gid)); err != nil {
		return fmt.Errorf("hand %s to the %s user: %w", path, superuser, err)
	}
	return nil
}

// clearStalePID removes a postmaster.pid left by a crash. A server still
// running on the data dir is stopped when it is an orphan (its parent died
// without stopping it), and refused when another process still owns it.
func clearStalePID(ctx context.Context, dataDir string) error {
	path := filepath.Join(dataDir, "postmaster.pid")
	content, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(strings.SplitN(string(content), "\n", 2)[0]))
	if pid <= 0 || !isPostgres(pid) {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("remove stale %s: %w", path, err)
		}
		return nil
	}
	if parentOf(pid) != 1 {
		return fmt.Errorf("a PostgreSQL (pid %d) is already running on %s for another process; stop it or use another TENANCY_DATA_DIR", pid, dataDir)
	}
	_ = syscall.Kill(pid, syscall.SIGINT)
	deadline := time.Now().Add(30 * time.Second)
	for isPostgres(pid) {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("orphaned PostgreSQL (pid %d) on %s did not stop", pid, dataDir)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func isPostgres(pid int) bool {
	comm, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	if err != nil {
		return false
	}
	stat, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	// A zombie has exited; only its parent's wait is missing.
	if fields := strings.Fields(afterComm(string(stat))); len(fields) > 0 && fields[0] == "Z" {
		return false
	}
	return strings.HasPrefix(strings.TrimSpace(string(comm)), "postgres")
}

func parentOf(pid int) int {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	fields := strings.Fields(afterComm(string(stat)))
	if len(fields) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(fields[1])
	return ppid
}

// afterComm skips "pid (comm) " of /proc/pid/stat; comm may hold spaces.
func afterComm(stat string) string {
	if i := strings.LastIndexByte(stat, ')'); i >= 0 {
		return stat[i+1:]
	}
	return stat
}

// reachableDataDir returns dataDir when the server's OS user can reach it,
// and otherwise a directory of its own under fallbackRoot, named after
// dataDir so that every run from the same place finds the same cluster.
func reachableDataDir(dataDir string, cred *syscall.Credential, fallbackRoot string) (string, error) {
	if cred == nil {
		return dataDir, nil
	}
	if err := os.MkdirAll(filepath.Dir(dataDir), 0o755); err != nil {
		return "", fmt.Errorf("create data dir: %w", err)
	}
	if checkReachable(dataDir, cred) == nil {
		return dataDir, nil
	}
	if fallbackRoot == "" {
		fallbackRoot = DefaultFallbackRoot
	}
	sum := sha256.Sum256([]byte(dataDir))
	fallback := filepath.Join(fallbackRoot, "clusters", hex.EncodeToString(sum[:8]), filepath.Base(dataDir))
	if err := os.MkdirAll(filepath.Dir(fallback), 0o755); err != nil {
		return "", fmt.Errorf("the %s OS user cannot reach %s, and the fallback %s cannot be created: %w", superuser, dataDir, fallback, err)
	}
	if err := checkReachable(fallback, cred); err != nil {
		return "", err
	}
	return fallback, nil
}

// checkReachable tells, before initdb fails with a cryptic message, when the
// server's OS user cannot traverse a parent of the data dir.
func checkReachable(dataDir string, cred *syscall.Credential) error {
	if cred == nil {
		return nil
	}
	for dir := filepath.Dir(dataDir); ; dir = filepath.Dir(dir) {
		st, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("data dir parent %s: %w", dir, err)
		}
		sys, _ := st.Sys().(*syscall.Stat_t)
		ownedByServer := sys != nil && sys.Uid == cred.Uid
		if !ownedByServer && st.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("the %s OS user cannot reach the data dir %s: %s is not traversable by others; run `chmod o+x %s` or set TENANCY_DATA_DIR to a directory it can reach (e.g. under /tmp)", superuser, dataDir, dir, dir)
		}
		if dir == filepath.Dir(dir) {
			return nil
		}
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("find a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, " | ")
}
