#pragma once
// Closing a listening socket resets every connection still waiting in the
// kernel's accept queue: those clients saw connect() succeed and sent a
// request, so they get a reset where a refusal was promised. A server that
// stops taking connections first makes the listener drop new handshakes
// (this filter), then accepts what is queued (and answers it), then closes
// the listener: a client whose SYN was dropped retries it after about a
// second, finds the port closed and gets "connection refused".

namespace delta::http {

// Attaches a socket filter to the listening socket `fd` that drops TCP
// segments with SYN and without ACK (new handshakes); handshakes already
// under way complete. Linux only; false when it could not be attached.
bool drop_new_handshakes(int fd);

}  // namespace delta::http
