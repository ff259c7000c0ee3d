package main

import (
	"bytes"
	"errors"
	"net"
	"sync"
	"testing"
	"time"
)

// proxyMode is how a proxy treats connections.
type proxyMode int

const (
	// proxyUp forwards every byte both ways.
	proxyUp proxyMode = iota
	// proxyDown resets every open connection and every new one at once,
	// like a database server that has gone away.
	proxyDown
	// proxyStalled accepts connections and keeps open ones, but forwards
	// nothing: a database that hangs, or a network that drops packets.
	proxyStalled
	// proxyArmed forwards like proxyUp until a client sends the trigger,
	// then stalls: see stallOn.
	proxyArmed
)

func (m proxyMode) String() string {
	return [...]string{"up", "down", "stalled", "armed"}[m]
}

// proxy forwards TCP connections from a loopback port to a database server
// and can take the "database" down or stall it without touching the shared
// server itself, which other test packages use at the same time.
type proxy struct {
	addr   string // where clients connect
	target string

	ln    net.Listener
	mu    sync.Mutex
	cond  *sync.Cond // signalled when mode changes
	mode  proxyMode
	conns map[net.Conn]struct{} // both ends of every forwarded connection
	wg    sync.WaitGroup

	since time.Time // when mode last changed

	trigger []byte                // proxyArmed: what a client sends to stall the proxy, lower case
	after   bool                  // proxyArmed: stall at the client's next chunk, not this one
	primed  map[net.Conn]struct{} // clients that sent the trigger, when after is set
}

// newProxy listens on a free loopback port and forwards to target until the
// test ends.
func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: ln.Addr().String(), target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.cond = sync.NewCond(&p.mu)
	p.wg.Go(p.accept)
	t.Cleanup(p.close)
	return p
}

// set switches the mode. Leaving proxyUp for proxyDown, and leaving
// proxyStalled, closes every open connection: a server that went away has
// dropped its sessions, and a stalled one has timed out on its side too.
func (p *proxy) set(m proxyMode) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if m == proxyDown || p.mode == proxyStalled && m != proxyStalled {
		p.closeConns()
	}
	p.switchTo(m)
}

// switchTo changes the mode; p.mu is held.
func (p *proxy) switchTo(m proxyMode) {
	if m != p.mode {
		p.mode, p.since = m, time.Now()
	}
	p.cond.Broadcast()
}

// state returns the mode and when it began.
func (p *proxy) state() (proxyMode, time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mode, p.since
}

// stallOn arms the proxy to stall the moment a client sends statement
// (compared case-insensitively), so that a test can stall the database at
// a chosen point of a transaction rather than by chance. The chunk that
// carries statement is held, or with after the chunk the same client
// sends next (the statement then runs and its answer arrives).
func (p *proxy) stallOn(statement string, after bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.trigger, p.after, p.primed = bytes.ToLower([]byte(statement)), after, map[net.Conn]struct{}{}
	p.switchTo(proxyArmed)
}

// close stops accepting, closes every connection and waits for the
// forwarding goroutines.
func (p *proxy) close() {
	p.ln.Close()
	p.mu.Lock()
	p.closeConns()
	p.switchTo(proxyDown)
	p.mu.Unlock()
	p.wg.Wait()
}

// closeConns closes every tracked connection; p.mu is held.
func (p *proxy) closeConns() {
	for c := range p.conns {
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // a reset, as from a server that is gone
		}
		c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) accept() {
	for {
		c, err := p.ln.Accept()
		if errors.Is(err, net.ErrClosed) {
			return
		} else if err != nil {
			continue
		}
		p.wg.Go(func() { p.serve(c) })
	}
}

// serve handles one client connection according to the mode.
func (p *proxy) serve(client net.Conn) {
	p.mu.Lock()
	mode := p.mode
	if mode == proxyDown {
		p.mu.Unlock()
		client.(*net.TCPConn).SetLinger(0)
		client.Close()
		return
	}
	p.conns[client] = struct{}{}
	for mode == proxyStalled {
		p.cond.Wait() // held open, silent, until the mode changes
		if _, open := p.conns[client]; !open {
			p.mu.Unlock()
			return
		}
		mode = p.mode
	}
	p.mu.Unlock()

	server, err := net.Dial("tcp", p.target)
	if err != nil {
		p.drop(client)
		return
	}
	if !p.track(server) {
		server.Close()
		p.drop(client)
		return
	}
	var wg sync.WaitGroup
	wg.Go(func() { p.pipe(server, client, true) })
	wg.Go(func() { p.pipe(client, server, false) })
	wg.Wait()
}

// track adds c to the open connections unless the proxy went down meanwhile.
func (p *proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == proxyDown {
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *proxy) drop(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

// pipe copies src to dst, holding each chunk while the proxy is stalled,
// and closes both ends when either fails. fromClient says src is the
// client, whose chunks may carry the trigger of an armed proxy.
func (p *proxy) pipe(dst, src net.Conn, fromClient bool) {
	defer p.drop(src)
	defer p.drop(dst)
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			if !p.pass(src, fromClient, buf[:n]) {
				return
			}
			if _, err := dst.Write(buf[:n]); err != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

// pass decides about one chunk from src: it fires an armed trigger and
// waits while the proxy is stalled, then reports whether the chunk may go
// on: false once its connection was closed.
func (p *proxy) pass(src net.Conn, fromClient bool, chunk []byte) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.mode == proxyArmed && fromClient {
		_, primed := p.primed[src]
		switch {
		case primed:
			p.switchTo(proxyStalled)
		case bytes.Contains(bytes.ToLower(chunk), p.trigger) && p.after:
			p.primed[src] = struct{}{}
		case bytes.Contains(bytes.ToLower(chunk), p.trigger):
			p.switchTo(proxyStalled)
		}
	}
	for p.mode == proxyStalled {
		p.cond.Wait()
	}
	_, open := p.conns[src]
	return open && (p.mode == proxyUp || p.mode == proxyArmed)
}
