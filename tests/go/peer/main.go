// Command peer is Go's crypto/tls as an interop peer for handclasp's tests
// (tests/interop/go.rs). Standard library only, so it builds offline.
//
// Server mode listens on 127.0.0.1, prints "listening ADDR", then for each of -n
// connections one "conn ..." line describing the handshake, and echoes every line
// it reads (printing it as "read=LINE") until the peer closes.
//
// Client mode connects -resume+1 times with one session cache; each time it prints
// one "conn ..." line, sends -msg as a line and prints the line it reads back as
// "read=LINE", then closes.
//
// Certificates are verified for real (no InsecureSkipVerify), at -time if given.
package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

var (
	mode       = flag.String("mode", "", "server or client")
	addr       = flag.String("addr", "127.0.0.1:0", "server: where to listen; client: where to connect")
	certFile   = flag.String("cert", "", "server: certificate chain (PEM)")
	keyFile    = flag.String("key", "", "server: private key (PEM)")
	caFile     = flag.String("ca", "", "client: root to verify the server with (PEM)")
	name       = flag.String("name", "localhost", "client: server name to send and verify")
	groups     = flag.String("groups", "", "comma-separated CurveID numbers (empty: Go's defaults)")
	minVersion = flag.String("min", "1.2", "lowest version: 1.2 or 1.3")
	maxVersion = flag.String("max", "1.3", "highest version: 1.2 or 1.3")
	alpn       = flag.String("alpn", "", "comma-separated ALPN protocols")
	clientCert = flag.String("client-cert", "", "client: certificate chain to authenticate with (PEM)")
	clientKey  = flag.String("client-key", "", "client: its private key (PEM)")
	requireCC  = flag.Bool("require-client-cert", false, "server: require and verify a client certificate")
	clientCA   = flag.String("client-ca", "", "server: root for client certificates (PEM)")
	tickets    = flag.Bool("tickets", true, "server: issue session tickets")
	resume     = flag.Int("resume", 0, "client: reconnect this many times, offering the cached session")
	conns      = flag.Int("n", 1, "server: connections to serve before exiting")
	msg        = flag.String("msg", "hello", "client: the line to send")
	unixTime   = flag.Int64("time", 0, "verify certificates (and age tickets) at this Unix time; 0: now")
)

func main() {
	flag.Parse()
	cfg, err := config()
	if err == nil {
		switch *mode {
		case "server":
			err = serve(cfg)
		case "client":
			err = dial(cfg)
		default:
			err = errors.New("-mode must be server or client")
		}
	}
	if err != nil {
		fmt.Println("error:", err)
		os.Exit(1)
	}
}

func version(s string) (uint16, error) {
	switch s {
	case "1.2":
		return tls.VersionTLS12, nil
	case "1.3":
		return tls.VersionTLS13, nil
	}
	return 0, fmt.Errorf("unknown version %q", s)
}

func pool(file string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	p := x509.NewCertPool()
	if !p.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("no certificate in %s", file)
	}
	return p, nil
}

func config() (*tls.Config, error) {
	cfg := &tls.Config{ServerName: *name, SessionTicketsDisabled: !*tickets}
	var err error
	if cfg.MinVersion, err = version(*minVersion); err != nil {
		return nil, err
	}
	if cfg.MaxVersion, err = version(*maxVersion); err != nil {
		return nil, err
	}
	if *unixTime != 0 {
		at := time.Unix(*unixTime, 0)
		cfg.Time = func() time.Time { return at }
	}
	for _, g := range strings.Split(*groups, ",") {
		if g == "" {
			continue
		}
		n, err := strconv.ParseUint(g, 10, 16)
		if err != nil {
			return nil, fmt.Errorf("-groups: %v", err)
		}
		cfg.CurvePreferences = append(cfg.CurvePreferences, tls.CurveID(n))
	}
	if *alpn != "" {
		cfg.NextProtos = strings.Split(*alpn, ",")
	}
	if *certFile != "" {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if *clientCert != "" {
		cert, err := tls.LoadX509KeyPair(*clientCert, *clientKey)
		if err != nil {
			return nil, err
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	if *caFile != "" {
		if cfg.RootCAs, err = pool(*caFile); err != nil {
			return nil, err
		}
	}
	if *requireCC {
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
		if cfg.ClientCAs, err = pool(*clientCA); err != nil {
			return nil, err
		}
	}
	return cfg, nil
}

// describe prints the one line the tests parse: numbers are the wire code points.
func describe(c *tls.Conn) {
	st := c.ConnectionState()
	peer := "-"
	if len(st.PeerCertificates) > 0 {
		peer = st.PeerCertificates[0].Subject.CommonName
	}
	fmt.Printf("conn version=0x%04x suite=0x%04x group=%d resumed=%t hrr=%t alpn=%s peer=%s\n",
		st.Version, st.CipherSuite, uint16(st.CurveID), st.DidResume, st.HelloRetryRequest,
		st.NegotiatedProtocol, peer)
}

func serve(cfg *tls.Config) error {
	ln, err := tls.Listen("tcp", *addr, cfg)
	if err != nil {
		return err
	}
	defer ln.Close()
	fmt.Println("listening", ln.Addr())
	for i := 0; i < *conns; i++ {
		c, err := ln.Accept()
		if err != nil {
			return err
		}
		// A failed connection is reported and the next one served.
		if err := echo(c.(*tls.Conn)); err != nil {
			fmt.Println("conn-error:", err)
		}
	}
	return nil
}

func echo(c *tls.Conn) error {
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	if err := c.Handshake(); err != nil {
		return err
	}
	describe(c)
	r := bufio.NewReader(c)
	for {
		line, err := r.ReadString('\n')
		if err == io.EOF && line == "" {
			fmt.Println("closed")
			return nil
		}
		if err != nil {
			return err
		}
		fmt.Printf("read=%s", line)
		if _, err := c.Write([]byte(line)); err != nil {
			return err
		}
	}
}

func dial(cfg *tls.Config) error {
	cfg.ClientSessionCache = tls.NewLRUClientSessionCache(4)
	for i := 0; i <= *resume; i++ {
		if err := roundTrip(cfg); err != nil {
			return err
		}
	}
	return nil
}

func roundTrip(cfg *tls.Config) error {
	d := &net.Dialer{Timeout: 20 * time.Second}
	c, err := tls.DialWithDialer(d, "tcp", *addr, cfg)
	if err != nil {
		return err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(20 * time.Second))
	describe(c)
	if _, err := c.Write([]byte(*msg + "\n")); err != nil {
		return err
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil {
		return err
	}
	fmt.Printf("read=%s", line)
	// close_notify, then wait for the server's (or EOF) before closing.
	if err := c.CloseWrite(); err != nil {
		return err
	}
	io.Copy(io.Discard, c)
	return nil
}
