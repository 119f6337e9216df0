/*
 * SCCP codec from C: encode a Register, cut a stream split at awkward
 * places into messages with the framer, and decode each without copying.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dialtone.h"

#define CHECK(call)                                                        \
  do {                                                                     \
    dialtone_result r_ = (call);                                           \
    if (r_ != DIALTONE_RESULT_OK) {                                        \
      char text_[64];                                                      \
      size_t n_ = 0;                                                       \
      dialtone_result_text(r_, (uint8_t *)text_, sizeof text_ - 1, &n_);   \
      text_[n_] = '\0';                                                    \
      fprintf(stderr, "%s:%d: %s -> %s\n", __FILE__, __LINE__, #call, text_); \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

#define EXPECT(cond)                                                       \
  do {                                                                     \
    if (!(cond)) {                                                         \
      fprintf(stderr, "%s:%d: expected %s\n", __FILE__, __LINE__, #cond);  \
      exit(1);                                                             \
    }                                                                      \
  } while (0)

int main(void) {
  uint8_t stream[512];
  size_t used = 0, n = 0;

  /* A 7965 registering at protocol 20: the 124-byte Register form. */
  dialtone_sccp_register reg;
  memset(&reg, 0, sizeof reg);
  reg.device_name = "SEP001E7AC4D231";
  reg.instance = 1;
  reg.station_ip[0] = 10; reg.station_ip[1] = 20; reg.station_ip[2] = 30; reg.station_ip[3] = 57;
  reg.device_type = 436;
  reg.max_streams = 5;
  reg.protocol_version = 20;
  reg.max_lines = 6;
  reg.load_name = "SCCP45.9-4-2SR3-1S";

  /* Too small a buffer: nothing written, the size needed is reported. */
  EXPECT(dialtone_sccp_encode_register(&reg, stream, 10, &n) == DIALTONE_RESULT_INSUFFICIENT_SIZE);
  EXPECT(n == 136);
  CHECK(dialtone_sccp_encode_register(&reg, stream + used, sizeof stream - used, &n));
  used += n;
  CHECK(dialtone_sccp_encode_empty(0x0000, 0, stream + used, sizeof stream - used, &n)); /* KeepAlive */
  used += n;
  CHECK(dialtone_sccp_encode_register_ack(30, "M/D/YA", 60, 20, stream + used, sizeof stream - used, &n));
  used += n;
  CHECK(dialtone_sccp_encode_register_reject("Device Unknown", 0, stream + used, sizeof stream - used, &n));
  used += n;
  CHECK(dialtone_sccp_encode_word(0x000B, dialtone_sccp_header_version(0x000B, 20, false), 1,
                                  stream + used, sizeof stream - used, &n)); /* LineStatReq 1 */
  used += n;

  dialtone_sccp_framer *framer = NULL;
  CHECK(dialtone_sccp_framer_new(0, &framer));

  /* Deliver the stream in segments split inside headers and bodies. */
  const size_t cuts[] = {5, 100, 141, 150, 190, used};
  size_t from = 0, count = 0;
  uint32_t ids[8];
  for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
    CHECK(dialtone_sccp_framer_push(framer, stream + from, cuts[c] - from));
    from = cuts[c];
    dialtone_sccp_frame frame;
    dialtone_result r;
    while ((r = dialtone_sccp_framer_next(framer, &frame)) == DIALTONE_RESULT_OK) {
      dialtone_sccp_message msg;
      CHECK(dialtone_sccp_decode(frame.bytes, frame.len, &msg));
      EXPECT(msg.message_id == frame.message_id);
      EXPECT(count < 8);
      ids[count++] = msg.message_id;
      switch (msg.message_id) {
        case 0x0001:
          EXPECT(msg.device_name_len == 15 && memcmp(msg.device_name, "SEP001E7AC4D231", 15) == 0);
          EXPECT(msg.device_type == 436 && msg.protocol_version == 20);
          EXPECT(msg.station_ip[0] == 10 && msg.station_ip[3] == 57);
          EXPECT(msg.load_name_len == 18);
          break;
        case 0x0081:
          EXPECT(msg.keepalive_interval == 30 && msg.secondary_keepalive_interval == 60);
          EXPECT(msg.protocol_version == 20);
          break;
        case 0x009D:
          EXPECT(msg.text_len == 14 && memcmp(msg.text, "Device Unknown", 14) == 0);
          EXPECT(msg.reject_reason == 2); /* noEntryInDatabase */
          break;
        case 0x000B:
          EXPECT(msg.value == 1 && msg.header_version == 20);
          break;
        default:
          break;
      }
      printf("message 0x%04X, %zu bytes, header version %u\n", (unsigned)msg.message_id,
             frame.len, (unsigned)msg.header_version);
    }
    EXPECT(r == DIALTONE_RESULT_EMPTY);
  }
  EXPECT(count == 5);
  EXPECT(ids[0] == 0x0001 && ids[1] == 0x0000 && ids[2] == 0x0081 && ids[3] == 0x009D && ids[4] == 0x000B);
  EXPECT(dialtone_sccp_framer_held(framer) == 0);

  /* A peer sending a length below 4: the connection must be closed. */
  const uint8_t garbage[8] = {1, 0, 0, 0, 0, 0, 0, 0};
  dialtone_sccp_frame frame;
  CHECK(dialtone_sccp_framer_push(framer, garbage, sizeof garbage));
  EXPECT(dialtone_sccp_framer_next(framer, &frame) == DIALTONE_RESULT_MUST_CLOSE);

  /* NULL is handled, never a crash. */
  EXPECT(dialtone_sccp_framer_next(NULL, &frame) == DIALTONE_RESULT_NULL_PARAMETER);
  EXPECT(dialtone_sccp_decode(NULL, 12, NULL) == DIALTONE_RESULT_NULL_PARAMETER);

  dialtone_sccp_framer_free(framer);
  dialtone_sccp_framer_free(NULL);
  printf("sccp codec example: ok (dialtone %s)\n", dialtone_version());
  return 0;
}
