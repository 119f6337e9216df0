/* Configuration file from C: read a SEP<MAC>.cnf.xml as CUCM serves it (an
 * undeclared xsi: prefix, so the lenient mode reads it and counts one repair),
 * print the CallManagers in the order the phone tries them and the firmware
 * load, then show that malformed input is a typed error, not a crash.
 * dialtone_cnf_parse fills a caller-owned struct and allocates nothing, so
 * there is nothing to free. Uses only dialtone.h. */
#include <stdio.h>
#include <string.h>
#include "dialtone.h"

static const char config[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<device xsi:type=\"axl:XIPPhone\" ctiid=\"42\">\n"
    "  <deviceProtocol>SCCP</deviceProtocol>\n"
    "  <devicePool>\n"
    "    <name>DP_Branch</name>\n"
    "    <callManagerGroup>\n"
    "      <name>CMG_Branch</name>\n"
    "      <members>\n"
    "        <member priority=\"1\">\n"
    "          <callManager>\n"
    "            <name>cucm-sub2</name>\n"
    "            <ports><ethernetPhonePort>2000</ethernetPhonePort><sipPort>5060</sipPort></ports>\n"
    "            <processNodeName>10.20.0.12</processNodeName>\n"
    "          </callManager>\n"
    "        </member>\n"
    "        <member priority=\"0\">\n"
    "          <callManager>\n"
    "            <name>cucm-sub1</name>\n"
    "            <ports><ethernetPhonePort>2000</ethernetPhonePort><sipPort>5060</sipPort>"
    "<securedSipPort>5061</securedSipPort></ports>\n"
    "            <processNodeName>10.20.0.11</processNodeName>\n"
    "          </callManager>\n"
    "        </member>\n"
    "      </members>\n"
    "    </callManagerGroup>\n"
    "  </devicePool>\n"
    "  <loadInformation> SCCP75.9-4-2SR3-1S </loadInformation>\n"
    "  <vendorConfig><garp>0</garp></vendorConfig>\n"
    "</device>\n";

/* Truncated in the middle of a tag, with a stray end tag before it. */
static const char broken[] =
    "<device><deviceProtocol>SCCP</devicePool></deviceProtocol><loadInfo";

static void print_result(const char *what, dialtone_result r) {
    uint8_t text[128];
    size_t len = 0;
    if (dialtone_result_text(r, text, sizeof text, &len) != DIALTONE_RESULT_OK) len = 0;
    printf("%s: %d (%.*s)\n", what, (int)r, (int)len, (const char *)text);
}

int main(void) {
    dialtone_cnf_summary s;
    memset(&s, 0, sizeof s);

    /* Strict mode refuses the undeclared prefix CUCM writes... */
    dialtone_result r = dialtone_cnf_parse((const uint8_t *)config, strlen(config), false, 0, &s);
    print_result("strict", r);
    if (r != DIALTONE_RESULT_MALFORMED) return 1;

    /* ...the lenient mode reads it as a phone does, and reports the repair. */
    r = dialtone_cnf_parse((const uint8_t *)config, strlen(config), true, 0, &s);
    print_result("lenient", r);
    if (r != DIALTONE_RESULT_OK) return 2;
    if (s.protocol != DIALTONE_CNF_PROTOCOL_SCCP || s.is_default || s.repairs != 1) return 3;
    printf("protocol SCCP, %zu repair(s)\n", s.repairs);

    if (s.call_manager_count != 2) return 4;
    for (size_t i = 0; i < s.call_manager_count; i++) {
        const dialtone_cnf_call_manager *cm = &s.call_managers[i];
        printf("callmanager %zu: %.*s at %.*s, priority ", i, (int)cm->name_len,
               (const char *)cm->name, (int)cm->host_len, (const char *)cm->host);
        if (cm->has_priority) printf("%u", (unsigned)cm->priority);
        else printf("none");
        printf(", sccp %u, sip %u, sips %u\n", (unsigned)cm->sccp_port, (unsigned)cm->sip_port,
               (unsigned)cm->secure_sip_port);
    }
    /* Lowest priority first, whatever the document order. */
    if (s.call_managers[0].host_len != 10 || memcmp(s.call_managers[0].host, "10.20.0.11", 10) != 0)
        return 5;
    if (s.call_managers[0].name_len != 9 || memcmp(s.call_managers[0].name, "cucm-sub1", 9) != 0)
        return 6;
    if (s.call_managers[0].secure_sip_port != 5061 || s.call_managers[1].secure_sip_port != 0)
        return 7;

    /* The load name, trimmed. */
    printf("load %.*s\n", (int)s.load_len, (const char *)s.load);
    if (s.load_len != 18 || memcmp(s.load, "SCCP75.9-4-2SR3-1S", 18) != 0) return 8;

    /* Malformed XML: a typed error in strict mode; the lenient mode repairs what a phone
     * would and still finds the protocol. */
    r = dialtone_cnf_parse((const uint8_t *)broken, strlen(broken), false, 0, &s);
    print_result("broken, strict", r);
    if (r != DIALTONE_RESULT_MALFORMED) return 9;
    r = dialtone_cnf_parse((const uint8_t *)broken, strlen(broken), true, 0, &s);
    print_result("broken, lenient", r);
    if (r != DIALTONE_RESULT_OK || s.protocol != DIALTONE_CNF_PROTOCOL_SCCP || s.repairs == 0)
        return 10;
    printf("broken file read with %zu repair(s), %zu callmanager(s)\n", s.repairs,
           s.call_manager_count);

    /* Not XML at all, invalid UTF-8, and missing pointers. */
    static const uint8_t not_utf8[] = {0x3c, 0x64, 0xff, 0x3e};
    r = dialtone_cnf_parse(not_utf8, sizeof not_utf8, true, 0, &s);
    print_result("not UTF-8", r);
    if (r != DIALTONE_RESULT_MALFORMED) return 11;
    r = dialtone_cnf_parse((const uint8_t *)"<html/>", 7, true, 0, &s);
    print_result("not a config", r);
    if (r != DIALTONE_RESULT_MALFORMED) return 12;
    r = dialtone_cnf_parse(NULL, 10, true, 0, &s);
    print_result("NULL buffer", r);
    if (r != DIALTONE_RESULT_NULL_PARAMETER) return 13;
    r = dialtone_cnf_parse((const uint8_t *)config, strlen(config), true, 0, NULL);
    if (r != DIALTONE_RESULT_NULL_PARAMETER) return 14;
    return 0;
}
