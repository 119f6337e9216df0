/*
 * tftp_fetch: downloads a file over TFTP with the dialtone client state
 * machine, the way phone firmware fetches SEP<MAC>.cnf.xml.
 *
 * usage: tftp_fetch PORT REMOTE_NAME OUTPUT_PATH   (server on 127.0.0.1)
 * exit status 0 when the whole file was written.
 */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "dialtone.h"

static uint64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void to_sockaddr(const dialtone_udp_addr *a, struct sockaddr_in *sa) {
  memset(sa, 0, sizeof *sa);
  sa->sin_family = AF_INET;
  memcpy(&sa->sin_addr, a->ip, 4);
  sa->sin_port = htons(a->port);
}

static void from_sockaddr(const struct sockaddr_in *sa, dialtone_udp_addr *a) {
  memset(a, 0, sizeof *a);
  a->family = 4;
  memcpy(a->ip, &sa->sin_addr, 4);
  a->port = ntohs(sa->sin_port);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PORT REMOTE_NAME OUTPUT_PATH\n", argv[0]);
    return 2;
  }
  int fd = socket(AF_INET, SOCK_DGRAM, 0);
  if (fd < 0) {
    perror("socket");
    return 1;
  }
  FILE *out = fopen(argv[3], "wb");
  if (!out) {
    perror("fopen");
    close(fd);
    return 1;
  }
  dialtone_udp_addr server = {.family = 4, .ip = {127, 0, 0, 1}, .port = (uint16_t)atoi(argv[1])};
  dialtone_tftp_client_config cfg = {.blksize = 1428, .windowsize = 4, .tsize = true};
  dialtone_tftp_client *client = NULL;
  const char *name = argv[2];
  dialtone_result r =
      dialtone_tftp_client_new_read(&cfg, &server, (const uint8_t *)name, strlen(name), now_ms(), &client);
  if (r != DIALTONE_RESULT_OK) {
    fprintf(stderr, "new_read failed: %d\n", (int)r);
    fclose(out);
    close(fd);
    return 1;
  }
  static uint8_t buf[65536 + 4];
  int status = -1; /* -1 running, 0 done, 1 failed */
  uint64_t written = 0, announced = 0;
  while (status < 0) {
    size_t len = 0;
    dialtone_udp_addr to;
    while ((r = dialtone_tftp_client_poll_transmit(client, buf, sizeof buf, &len, &to)) == DIALTONE_RESULT_OK) {
      struct sockaddr_in sa;
      to_sockaddr(&to, &sa);
      if (sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof sa) < 0) perror("sendto");
    }
    dialtone_tftp_event ev;
    while (dialtone_tftp_client_poll_event(client, &ev) == DIALTONE_RESULT_OK) {
      switch (ev.kind) {
        case DIALTONE_TFTP_EVENT_KIND_TRANSFER_SIZE:
          announced = ev.value;
          break;
        case DIALTONE_TFTP_EVENT_KIND_DATA:
          if (ev.data_len > 0 && fwrite(ev.data, 1, ev.data_len, out) != ev.data_len) status = 1;
          written += ev.data_len;
          break;
        case DIALTONE_TFTP_EVENT_KIND_COMPLETE:
          if (status < 0) status = 0;
          break;
        case DIALTONE_TFTP_EVENT_KIND_REMOTE_ERROR:
          fprintf(stderr, "server error %u\n", (unsigned)ev.error_code);
          status = 1;
          break;
        case DIALTONE_TFTP_EVENT_KIND_TIMED_OUT:
        case DIALTONE_TFTP_EVENT_KIND_PROTOCOL_ERROR:
          fprintf(stderr, "transfer failed (%d)\n", (int)ev.kind);
          status = 1;
          break;
        default:
          break;
      }
    }
    if (status >= 0) break;
    uint64_t deadline = 0;
    if (!dialtone_tftp_client_poll_timeout(client, &deadline)) {
      status = 1;
      break;
    }
    uint64_t now = now_ms();
    int wait = deadline > now ? (int)(deadline - now) : 0;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int n = poll(&p, 1, wait);
    if (n > 0) {
      struct sockaddr_in sa;
      socklen_t sl = sizeof sa;
      ssize_t got = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&sa, &sl);
      if (got >= 0) {
        dialtone_udp_addr from;
        from_sockaddr(&sa, &from);
        (void)dialtone_tftp_client_handle_input(client, now_ms(), &from, buf, (size_t)got);
      }
    } else {
      dialtone_tftp_client_handle_timeout(client, now_ms());
    }
  }
  /* Send the final ACK before leaving. */
  {
    size_t len = 0;
    dialtone_udp_addr to;
    while (dialtone_tftp_client_poll_transmit(client, buf, sizeof buf, &len, &to) == DIALTONE_RESULT_OK) {
      struct sockaddr_in sa;
      to_sockaddr(&to, &sa);
      (void)sendto(fd, buf, len, 0, (struct sockaddr *)&sa, sizeof sa);
    }
  }
  dialtone_tftp_client_free(client);
  fclose(out);
  close(fd);
  if (status == 0 && announced != 0 && announced != written) status = 1;
  printf("%s: %llu bytes\n", status == 0 ? "ok" : "failed", (unsigned long long)written);
  return status;
}
