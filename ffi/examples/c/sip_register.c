/* Builds a SIP REGISTER with the user agent state machine, without a network:
 * creates the UA, takes its first transmit, checks the timers, frees it. */
#include <stdio.h>
#include <string.h>

#include "dialtone.h"

int main(void) {
  dialtone_sip_addr server = {{127, 0, 0, 1}, 5060};
  dialtone_sip_ua_config cfg;
  memset(&cfg, 0, sizeof cfg);
  cfg.registrars = &server;
  cfg.registrars_len = 1;
  cfg.user = "1001";
  cfg.password = "secret";
  cfg.instance = "<urn:uuid:00000000-0000-0000-0000-001e7ac4d231>";
  cfg.local.ip[0] = 127;
  cfg.local.ip[3] = 1;
  cfg.local.port = 5062;
  cfg.transport = DIALTONE_SIP_TRANSPORT_UDP;
  cfg.keepalive = DIALTONE_SIP_KEEPALIVE_CRLF;
  cfg.keepalive_interval_s = 15;
  cfg.expires_s = 3600;

  dialtone_sip_ua *ua = NULL;
  if (dialtone_sip_ua_new(&cfg, 0, 42, &ua) != DIALTONE_RESULT_OK) {
    fprintf(stderr, "dialtone_sip_ua_new failed\n");
    return 1;
  }
  uint8_t buf[2048];
  size_t len = 0;
  dialtone_sip_peer peer;
  if (dialtone_sip_ua_poll_transmit(ua, buf, sizeof buf, &len, &peer) != DIALTONE_RESULT_OK ||
      peer.is_tcp || peer.addr.port != 5060 || len < 100 || memcmp(buf, "REGISTER ", 9) != 0) {
    fprintf(stderr, "no REGISTER\n");
    dialtone_sip_ua_free(ua);
    return 1;
  }
  fwrite(buf, 1, len, stdout);
  dialtone_sip_event ev;
  int registering = 0;
  while (dialtone_sip_ua_poll_event(ua, &ev) == DIALTONE_RESULT_OK) {
    if (ev.kind == DIALTONE_SIP_EVENT_KIND_REGISTERING) registering = 1;
  }
  uint64_t at = 0;
  /* Timer E: the first retransmission is due after T1 = 500 ms. */
  if (!registering || !dialtone_sip_ua_poll_timeout(ua, &at) || at != 500) {
    fprintf(stderr, "unexpected state (timeout %llu)\n", (unsigned long long)at);
    dialtone_sip_ua_free(ua);
    return 1;
  }
  dialtone_sip_ua_handle_timeout(ua, at);
  if (dialtone_sip_ua_poll_transmit(ua, buf, sizeof buf, &len, &peer) != DIALTONE_RESULT_OK) {
    fprintf(stderr, "no retransmission\n");
    dialtone_sip_ua_free(ua);
    return 1;
  }
  dialtone_sip_ua_free(ua);
  printf("sip_register: ok\n");
  return 0;
}
