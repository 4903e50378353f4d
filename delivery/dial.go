package delivery

import (
	"context"
	"net"
	"strings"
	"time"
)

// DialContext dials as a net.Dialer does, except that a host named
// localhost or under .localhost goes to the loopback address (RFC 6761), so
// that an endpoint such as https://search-logs.us-east-1.es.localhost:9200
// or jdbc:redshift://dev.abc.us-east-1.redshift.localhost:5432/db reaches a
// service on this machine whatever the system resolver does with the name.
// Every destination dials through it.
func DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	return dialer.DialContext(ctx, network, loopbackAddr(addr))
}

var dialer = &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}

// loopbackAddr rewrites host:port to 127.0.0.1:port when host is localhost
// or under .localhost; any other address is returned as it is.
func loopbackAddr(addr string) string {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || !isLocalhostName(host) {
		return addr
	}
	return net.JoinHostPort("127.0.0.1", port)
}

// isLocalhostName reports whether host is localhost or a name under it.
func isLocalhostName(host string) bool {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	return host == "localhost" || strings.HasSuffix(host, ".localhost")
}
