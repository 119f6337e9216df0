/*
 * A station drives its registration against a registrar, both through the
 * C ABI, in memory: the example plays the network between them (one TCP
 * connection = the same id on both sides) and the clock.
 */
#include <stdio.h>
#include <string.h>
#include "dialtone.h"

#define CHECK(x)                                                      \
  do {                                                                \
    dialtone_result r_ = (x);                                         \
    if (r_ != DIALTONE_RESULT_OK) {                                   \
      fprintf(stderr, "%s:%d: %s -> %d\n", __FILE__, __LINE__, #x, (int)r_); \
      return 1;                                                       \
    }                                                                 \
  } while (0)

static int registered = 0, unregistered = 0, keepalives_ok = 0;

/* Moves everything both machines want to send until both are quiet. */
static int pump(dialtone_sccp_station *st, dialtone_sccp_registrar *reg, uint64_t now) {
  uint8_t buf[1024];
  for (int round = 0; round < 64; round++) {
    int moved = 0;
    dialtone_sccp_station_event ev;
    while (dialtone_sccp_station_poll_event(st, &ev) == DIALTONE_RESULT_OK) {
      moved = 1;
      switch (ev.kind) {
        case DIALTONE_SCCP_STATION_EVENT_KIND_CONNECT:
          printf("station: connect #%u to %u.%u.%u.%u:%u\n", ev.conn, ev.addr[0], ev.addr[1],
                 ev.addr[2], ev.addr[3], ev.port);
          CHECK(dialtone_sccp_registrar_handle_conn_event(reg, now, ev.conn,
                                                          DIALTONE_SCCP_CONN_EVENT_CONNECTED));
          CHECK(dialtone_sccp_station_handle_conn_event(st, now, ev.conn,
                                                        DIALTONE_SCCP_CONN_EVENT_CONNECTED));
          break;
        case DIALTONE_SCCP_STATION_EVENT_KIND_CLOSE:
          printf("station: close #%u\n", ev.conn);
          CHECK(dialtone_sccp_registrar_handle_conn_event(reg, now, ev.conn,
                                                          DIALTONE_SCCP_CONN_EVENT_CLOSED));
          break;
        case DIALTONE_SCCP_STATION_EVENT_KIND_REGISTERED:
          printf("station: registered with CallManager %u, keepalive %llu ms\n", ev.cm,
                 (unsigned long long)ev.keepalive_ms);
          registered = 1;
          break;
        case DIALTONE_SCCP_STATION_EVENT_KIND_UNREGISTERED:
          printf("station: unregistered\n");
          unregistered = 1;
          break;
        default:
          printf("station: event %d\n", (int)ev.kind);
          break;
      }
    }
    size_t len = 0;
    uint32_t conn = 0;
    while (dialtone_sccp_station_poll_transmit(st, buf, sizeof buf, &len, &conn) == DIALTONE_RESULT_OK) {
      moved = 1;
      dialtone_result r = dialtone_sccp_registrar_handle_input(reg, now, conn, buf, len);
      if (r != DIALTONE_RESULT_OK && r != DIALTONE_RESULT_UNEXPECTED) {
        fprintf(stderr, "registrar input: %d\n", (int)r);
        return 1;
      }
    }
    while (dialtone_sccp_registrar_poll_transmit(reg, buf, sizeof buf, &len, &conn) == DIALTONE_RESULT_OK) {
      moved = 1;
      if (len == 12 && buf[8] == 0x00 && buf[9] == 0x01) keepalives_ok++;
      dialtone_result r = dialtone_sccp_station_handle_input(st, now, conn, buf, len);
      if (r != DIALTONE_RESULT_OK && r != DIALTONE_RESULT_UNEXPECTED) {
        fprintf(stderr, "station input: %d\n", (int)r);
        return 1;
      }
    }
    while (dialtone_sccp_registrar_poll_close(reg, &conn) == DIALTONE_RESULT_OK) {
      moved = 1;
      CHECK(dialtone_sccp_station_handle_conn_event(st, now, conn, DIALTONE_SCCP_CONN_EVENT_CLOSED));
    }
    if (!moved) return 0;
  }
  return 0;
}

int main(void) {
  dialtone_sccp_registrar *reg = NULL;
  dialtone_sccp_station *st = NULL;
  CHECK(dialtone_sccp_registrar_new(30, 0, &reg));
  const char *name = "SEP001E7AC4D231";
  CHECK(dialtone_sccp_registrar_add_device(reg, (const uint8_t *)name, strlen(name), 7,
                                           (const uint8_t *)"2001", 4));
  dialtone_sccp_station_config cfg;
  memset(&cfg, 0, sizeof cfg);
  const uint8_t mac[6] = {0x00, 0x1e, 0x7a, 0xc4, 0xd2, 0x31};
  memcpy(cfg.mac, mac, 6);
  cfg.device_type = 7; /* 7960 */
  cfg.protocol_version = 11;
  cfg.station_ip[0] = 10; cfg.station_ip[3] = 5;
  cfg.cm_ip[0][0] = 127; cfg.cm_ip[0][3] = 1;
  cfg.cm_port[0] = 2000;
  cfg.cm_count = 1;
  CHECK(dialtone_sccp_station_new(&cfg, 0, 42, &st));

  uint64_t now = 0;
  if (pump(st, reg, now)) return 1;
  if (!registered || dialtone_sccp_station_active_cm(st) != 0 ||
      dialtone_sccp_registrar_registered_count(reg) != 1) {
    fprintf(stderr, "not registered\n");
    return 1;
  }
  /* Two minutes of virtual time: keepalives every 30 s, all answered. */
  while (now < 120000) {
    uint64_t a = 0, b = 0;
    int ha = dialtone_sccp_station_poll_timeout(st, &a);
    int hb = dialtone_sccp_registrar_poll_timeout(reg, &b);
    uint64_t next = ha ? a : 120000;
    if (hb && b < next) next = b;
    if (next <= now) next = now + 1;
    now = next;
    CHECK(dialtone_sccp_station_handle_timeout(st, now));
    CHECK(dialtone_sccp_registrar_handle_timeout(reg, now));
    if (pump(st, reg, now)) return 1;
  }
  printf("keepalive acks: %d\n", keepalives_ok);
  if (keepalives_ok < 3 || dialtone_sccp_station_active_cm(st) != 0) {
    fprintf(stderr, "keepalives failed\n");
    return 1;
  }
  /* The network link goes down: every connection closes; when it comes
   * back the station registers again. */
  registered = 0;
  CHECK(dialtone_sccp_station_handle_link(st, now, false));
  if (pump(st, reg, now)) return 1;
  if (dialtone_sccp_station_active_cm(st) != -1 || dialtone_sccp_registrar_registered_count(reg) != 0) {
    fprintf(stderr, "link down did not drop the registration\n");
    return 1;
  }
  now += 5000;
  CHECK(dialtone_sccp_station_handle_link(st, now, true));
  if (pump(st, reg, now)) return 1;
  if (!registered || dialtone_sccp_station_active_cm(st) != 0 ||
      dialtone_sccp_registrar_registered_count(reg) != 1) {
    fprintf(stderr, "not registered after link up\n");
    return 1;
  }
  CHECK(dialtone_sccp_station_unregister(st, now));
  if (pump(st, reg, now)) return 1;
  if (!unregistered || dialtone_sccp_registrar_registered_count(reg) != 0) {
    fprintf(stderr, "unregister failed\n");
    return 1;
  }
  dialtone_sccp_station_free(st);
  dialtone_sccp_registrar_free(reg);
  dialtone_sccp_station_free(NULL);
  printf("ok\n");
  return 0;
}
