#include "http/syn_filter.hpp"

#include <linux/filter.h>
#include <sys/socket.h>

namespace delta::http {

bool drop_new_handshakes(int fd) {
  // A socket filter on a TCP socket sees the segment from its TCP header:
  // byte 13 holds the flags (0x02 SYN, 0x10 ACK).
  static sock_filter code[] = {
      BPF_STMT(BPF_LD | BPF_B | BPF_ABS, 13),
      BPF_STMT(BPF_ALU | BPF_AND | BPF_K, 0x12),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 0x02, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, 0),           // a new handshake: dropped
      BPF_STMT(BPF_RET | BPF_K, 0xffffffff),  // anything else: kept whole
  };
  sock_fprog program{static_cast<unsigned short>(sizeof code / sizeof code[0]), code};
  return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &program, sizeof program) == 0;
}

}  // namespace delta::http
