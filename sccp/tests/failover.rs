//! Registration, failover and fallback scenarios in the simulated network
//! (`phone-boot.md` §1.7.6–§1.7.8, AS-27/28/30/31).

mod sim;

use std::time::Duration;

use dialtone_sccp::station::{self, LostCause};
use sim::{Dir, Net};

const MS: Duration = Duration::from_millis(1);
const KA: Duration = Duration::from_secs(30);
const KA2: Duration = Duration::from_secs(60);

fn registered_all(net: &mut Net, cm: usize) {
    let t = net.run_until_pred(Duration::from_secs(5), Duration::from_millis(10), |n| {
        n.all_on(cm)
    });
    assert!(
        t.is_some(),
        "{} of {} on cm {cm}",
        net.count_on(cm),
        net.stations.len()
    );
}

fn standbys_up(net: &mut Net) {
    let t = net.run_until_pred(Duration::from_secs(5), Duration::from_millis(10), |n| {
        n.stations.iter().all(|s| s.standby_cm().is_some())
    });
    assert!(t.is_some(), "standby connections did not come up");
}

#[test]
fn stations_register_with_the_primary_and_hold_a_standby() {
    let mut net = Net::standard(2, 50);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    assert_eq!(net.registrar(0).registered_count(), 50);
    assert_eq!(net.registrar(1).registered_count(), 0);
    // The standby registrar sees keepalive-only connections.
    assert_eq!(net.registrar(1).connection_count(), 50);
    let t = net.registrar(0).totals();
    assert_eq!(t.registrations, 50);
    // A few keepalive periods: all keepalives answered, nobody moves.
    net.advance(KA * 5);
    assert!(net.all_on(0));
    assert!(net.registrar(0).totals().keepalives >= 50 * 5);
    assert!(net.registrar(1).totals().keepalives >= 50 * 2);
    assert_eq!(net.double_registrations, 0);
    assert_eq!(net.input_errors, 0);
    // The dialogue ran: every station asked for its time (in service).
    let regs = net
        .station_events
        .iter()
        .filter(|(_, _, e)| matches!(e, station::Event::Registered { cm: 0, keepalive, .. } if *keepalive == KA))
        .count();
    assert_eq!(regs, 50);
}

#[test]
fn primary_reset_moves_every_station_to_the_secondary_within_one_round_trip() {
    let mut net = Net::standard(2, 200);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    net.advance(Duration::from_secs(1));
    let killed = net.now;
    net.kill(0);
    // Close reaches the stations after one latency; Register + RegisterAck
    // is one round trip more.
    let rtt = net.latency * 2;
    let bound = net.latency + rtt + MS;
    let t = net
        .run_until_pred(Duration::from_secs(2), MS, |n| n.all_on(1))
        .expect("all on the secondary");
    assert!(
        t.saturating_since(killed) <= bound,
        "took {:?}",
        t.saturating_since(killed)
    );
    let failovers = net
        .station_events
        .iter()
        .filter(|(_, _, e)| matches!(e, station::Event::FailedOver { from: 0, to: 1 }))
        .count();
    assert_eq!(failovers, 200);
    let lost = net
        .station_events
        .iter()
        .filter(|(_, _, e)| {
            matches!(
                e,
                station::Event::Lost {
                    cm: 0,
                    cause: LostCause::ConnectionClosed
                }
            )
        })
        .count();
    assert_eq!(lost, 200);
    assert_eq!(net.registrar(1).totals().failovers_in, 200);
    assert_eq!(net.double_registrations, 0);
}

fn hung_or_partitioned(partition: bool) {
    let mut net = Net::standard(2, 100);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    net.advance(Duration::from_secs(7));
    let cut = net.now;
    if partition {
        net.partition(0);
    } else {
        net.hang(0);
    }
    let limit = u32::from(station::KEEPALIVE_MISS_LIMIT);
    let bound = KA * (limit + 1) + net.latency * 2 + MS;
    // Nobody moves before `limit` intervals.
    net.advance(KA * (limit - 1));
    assert!(net.all_on(0), "moved too early");
    let t = net
        .run_until_pred(Duration::from_secs(200), Duration::from_millis(100), |n| {
            n.all_on(1)
        })
        .expect("all on the secondary");
    assert!(
        t.saturating_since(cut) <= bound + Duration::from_millis(100),
        "took {:?}",
        t.saturating_since(cut)
    );
    let lost = net
        .station_events
        .iter()
        .filter(|(_, _, e)| {
            matches!(
                e,
                station::Event::Lost {
                    cm: 0,
                    cause: LostCause::KeepAliveTimeout
                }
            )
        })
        .count();
    assert_eq!(lost, 100);
    // AS-27: the bad member gets no Register and no token request for
    // T_CM_BAD; the stations stay on the secondary meanwhile.
    net.heal(0);
    net.advance(Duration::from_secs(300));
    assert!(net.all_on(1));
}

#[test]
fn hung_primary_fails_over_after_the_missed_keepalive_limit() {
    hung_or_partitioned(false);
}

#[test]
fn partitioned_primary_fails_over_after_the_missed_keepalive_limit() {
    hung_or_partitioned(true);
}

#[test]
fn primary_return_brings_every_station_back_without_double_registration() {
    let mut net = Net::standard(2, 200);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    net.kill(0);
    net.run_until_pred(Duration::from_secs(1), MS, |n| n.all_on(1))
        .expect("failover");
    net.advance(Duration::from_secs(20));
    net.restart(0);
    let back = net.now;
    // Fallback probes at most every T_FALLBACK (= T_KA2), the probe must stay
    // up T_CONN_MON, then token + unregister + register round trips.
    let bound = KA2 + station::CONNECTION_MONITOR_DEFAULT + Duration::from_secs(1);
    let t = net
        .run_until_pred(Duration::from_secs(400), Duration::from_millis(100), |n| {
            n.all_on(0)
        })
        .expect("all back on the primary");
    assert!(
        t.saturating_since(back) <= bound,
        "took {:?}",
        t.saturating_since(back)
    );
    assert!(
        t.saturating_since(back) >= station::CONNECTION_MONITOR_DEFAULT,
        "fell back before the connection monitor duration"
    );
    assert_eq!(
        net.double_registrations, 0,
        "registered on two CallManagers at once"
    );
    let fellback = net
        .station_events
        .iter()
        .filter(|(_, _, e)| matches!(e, station::Event::FellBack { from: 1, to: 0 }))
        .count();
    assert_eq!(fellback, 200);
    // The gap between unregistering from the secondary and registering with
    // the primary is one round trip for each station.
    for s in 0..200 {
        let dev = sim::name_of(s);
        let unreg = net.registrar_events.iter().rev().find(|(_, m, e)| {
            *m == 1 && matches!(e, dialtone_sccp::registrar::Event::Unregistered { device, .. } if *device == dev)
        });
        let reg = net.registrar_events.iter().rev().find(|(_, m, e)| {
            *m == 0 && matches!(e, dialtone_sccp::registrar::Event::Registered { device, .. } if *device == dev)
        });
        let (Some((tu, ..)), Some((tr, ..))) = (unreg, reg) else {
            panic!("station {s}")
        };
        assert!(
            tr > tu && tr.saturating_since(*tu) <= net.latency * 4,
            "gap {:?}",
            tr.saturating_since(*tu)
        );
    }
    // Standbys to the secondary come back.
    standbys_up(&mut net);
}

#[test]
fn token_reject_makes_the_station_ask_again_after_the_wait() {
    let mut cfg = dialtone_sccp::registrar::Config::default();
    cfg.grant_tokens = true;
    let mut net = Net::new(2, sim::store_for(1), cfg);
    net.add_stations(1, sim::station_config);
    registered_all(&mut net, 0);
    net.kill(0);
    net.run_until_pred(Duration::from_secs(1), MS, |n| n.all_on(1))
        .expect("failover");
    net.restart(0);
    net.registrars[0].as_mut().unwrap().set_busy(true);
    // First token request gets the busy wait (10 s) and is repeated.
    net.advance(KA2 + station::CONNECTION_MONITOR_DEFAULT + Duration::from_secs(1));
    assert!(net.all_on(1));
    let rejected: Vec<_> = net
        .registrar_events
        .iter()
        .filter(|(_, _, e)| {
            matches!(
                e,
                dialtone_sccp::registrar::Event::TokenAnswered { granted: false, .. }
            )
        })
        .map(|(t, ..)| *t)
        .collect();
    assert!(!rejected.is_empty());
    net.registrars[0].as_mut().unwrap().set_busy(false);
    let t = net
        .run_until_pred(Duration::from_secs(30), Duration::from_millis(100), |n| {
            n.all_on(0)
        })
        .expect("back after the wait");
    let last_reject = *rejected.last().unwrap();
    assert!(t.saturating_since(last_reject) <= Duration::from_secs(11));
}

#[test]
fn scattered_ack_loss_never_fails_over_but_total_loss_does() {
    let mut net = Net::standard(2, 20);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    // Drop 2 of every 3 KeepAliveAcks (AS-31).
    let mut k = [0u32; 20];
    net.drop = Some(Box::new(move |_, dir, s, active, id| {
        if dir == Dir::ToStation && active && id == dialtone_sccp::id::KEEP_ALIVE_ACK {
            k[s] += 1;
            return k[s] % 3 != 0;
        }
        false
    }));
    net.advance(Duration::from_secs(3600));
    let failovers = net
        .station_events
        .iter()
        .filter(|(_, _, e)| matches!(e, station::Event::FailedOver { .. }))
        .count();
    assert_eq!(failovers, 0);
    net.drop = Some(Box::new(|_, dir, _, _, id| {
        dir == Dir::ToStation && id == dialtone_sccp::id::KEEP_ALIVE_ACK
    }));
    net.advance(KA * 4 + Duration::from_secs(1));
    assert!(net.all_on(1));
}

#[test]
fn primary_back_right_after_failover_is_probed_and_used() {
    let mut net = Net::standard(2, 10);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    net.advance(Duration::from_secs(65));
    net.kill(0);
    net.run_until_pred(Duration::from_secs(1), MS, |n| n.all_on(1))
        .expect("failover");
    net.restart(0);
    net.run_until_pred(Duration::from_secs(400), Duration::from_secs(1), |n| {
        n.all_on(0)
    })
    .expect("fallback");
    assert_eq!(net.double_registrations, 0);
}

#[test]
fn ten_thousand_stations_register_fail_over_and_fall_back() {
    let started = std::time::Instant::now();
    let n = 10_000;
    let mut net = Net::standard(2, n);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    net.advance(Duration::from_secs(65));
    net.kill(0);
    net.run_until_pred(Duration::from_secs(1), MS, |n| n.all_on(1))
        .expect("failover");
    net.restart(0);
    net.run_until_pred(Duration::from_secs(400), Duration::from_secs(1), |n| {
        n.all_on(0)
    })
    .expect("fallback");
    assert_eq!(net.double_registrations, 0);
    assert_eq!(net.registrar(0).registered_count(), n);
    let took = started.elapsed();
    eprintln!("10,000 stations: {took:?}");
    assert!(took < Duration::from_secs(10), "took {took:?}");
}

/// AS-29: calls in progress when the primary hangs keep going ("CM Down,
/// Features Disabled"); each station registers with the secondary right
/// after its call ends.
#[test]
fn hung_primary_during_calls_preserves_them_and_fails_over_at_each_call_end() {
    let mut net = Net::standard(2, 40);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    for s in 0..40 {
        net.set_call_active(s, true);
    }
    net.hang(0);
    let limit = u32::from(station::KEEPALIVE_MISS_LIMIT);
    net.advance(KA * (limit + 2));
    assert!(net
        .stations
        .iter()
        .all(|s| s.state() == station::State::CallPreserved { cm: 0 }));
    assert_eq!(net.registrar(1).registered_count(), 0);
    let preserved = net
        .station_events
        .iter()
        .filter(|(_, _, e)| matches!(e, station::Event::CallPreserved { cm: 0 }))
        .count();
    assert_eq!(preserved, 40);
    // Half the calls end: exactly those stations move.
    for s in 0..20 {
        net.set_call_active(s, false);
    }
    net.advance(Duration::from_secs(2));
    assert_eq!(net.count_on(1), 20);
    assert_eq!(net.registrar(1).registered_count(), 20);
    for s in 20..40 {
        net.set_call_active(s, false);
    }
    net.advance(Duration::from_secs(2));
    assert!(net.all_on(1));
}

/// AS-30 with calls (rows 69/70): stations in a call stay on the secondary
/// while the others fall back; each falls back (token exchange) right after
/// its call ends, never registered on both.
#[test]
fn fallback_of_stations_in_a_call_waits_for_the_call_to_end() {
    let mut net = Net::standard(2, 20);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    net.kill(0);
    net.run_until_pred(Duration::from_secs(1), MS, |n| n.all_on(1))
        .expect("failover");
    for s in 0..10 {
        net.set_call_active(s, true);
    }
    net.restart(0);
    net.run_until_pred(Duration::from_secs(400), Duration::from_millis(100), |n| {
        (10..20).all(|s| n.stations[s].active_cm() == Some(0))
    })
    .expect("idle stations fall back");
    // Long after, the stations in a call have not moved.
    net.advance(Duration::from_secs(600));
    assert!((0..10).all(|s| net.stations[s].active_cm() == Some(1)));
    assert_eq!(net.registrar(1).registered_count(), 10);
    for s in 0..10 {
        net.set_call_active(s, false);
    }
    let ended = net.now;
    let t = net
        .run_until_pred(Duration::from_secs(5), MS, |n| n.all_on(0))
        .expect("fallback after the calls");
    // Token request, ack, unregister, register: a few round trips.
    assert!(
        t.saturating_since(ended) <= net.latency * 8,
        "{:?}",
        t.saturating_since(ended)
    );
    assert_eq!(net.double_registrations, 0);
    let fellback = net
        .station_events
        .iter()
        .filter(|(_, _, e)| matches!(e, station::Event::FellBack { from: 1, to: 0 }))
        .count();
    assert_eq!(fellback, 20);
}

/// AS-37: `Reset(restart)` from the registrar; stations without a call leave
/// at once, stations in a call wait for `CallIdle` (rows 63/64). The
/// registrar closes those after RT_RESET (30 s) with deviceNoResponse; the
/// stations keep their call (B13) and apply the reset, not a failover, when
/// it ends (row 76).
#[test]
fn registrar_reset_waits_for_calls_and_unanswered_resets_time_out() {
    use dialtone_sccp::registrar::{Event as REvent, UnregisterCause};
    use dialtone_sccp::ResetType;
    let mut net = Net::standard(2, 20);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    for s in 0..10 {
        net.set_call_active(s, true);
    }
    let at = net.now;
    for s in 0..20 {
        let now = net.now;
        let r = net.registrars[0].as_mut().unwrap();
        assert!(r.reset_device(now, sim::name_of(s), ResetType::Restart));
        net.after_registrar(0);
    }
    net.advance(Duration::from_secs(1));
    for s in 0..20 {
        let reset = net.station_events.iter().any(|(_, x, e)| {
            *x == s
                && matches!(
                    e,
                    station::Event::ResetRequested {
                        cm: 0,
                        kind: ResetType::Restart
                    }
                )
        });
        let deferred = net.station_events.iter().any(|(_, x, e)| {
            *x == s
                && matches!(
                    e,
                    station::Event::ResetDeferred {
                        cm: 0,
                        kind: ResetType::Restart
                    }
                )
        });
        assert_eq!((reset, deferred), (s >= 10, s < 10), "station {s}");
    }
    assert_eq!(net.registrar(0).registered_count(), 10);
    // RT_RESET: the registrar gives up on the stations in a call.
    net.advance(Duration::from_secs(31));
    let no_response: Vec<_> = net
        .registrar_events
        .iter()
        .filter(|(_, _, e)| {
            matches!(
                e,
                REvent::Unregistered {
                    cause: UnregisterCause::DeviceNoResponse,
                    ..
                }
            )
        })
        .map(|(t, ..)| *t)
        .collect();
    assert_eq!(no_response.len(), 10);
    assert!(no_response
        .iter()
        .all(|t| t.saturating_since(at) >= Duration::from_secs(30)));
    assert!((0..10).all(|s| net.stations[s].state() == station::State::CallPreserved { cm: 0 }));
    assert_eq!(net.registrar(1).registered_count(), 0);
    for s in 0..10 {
        net.set_call_active(s, false);
    }
    net.advance(Duration::from_secs(5));
    assert!(net
        .stations
        .iter()
        .all(|s| s.state() == station::State::Stopped));
    assert_eq!(net.registrar(1).registered_count(), 0);
    assert_eq!(net.double_registrations, 0);
}

/// Rows 84/85 in the network: a station's link goes down for 20 s; the
/// registrar learns nothing (no FIN crosses a dead link) and still holds the
/// old registration when the station comes back and registers again on the
/// primary; the newer registration replaces the old one (§2.7,
/// duplicateRegistration: same address), never two at once.
#[test]
fn link_flap_re_registers_on_the_primary_and_replaces_the_stale_registration() {
    use dialtone_sccp::registrar::{Event as REvent, UnregisterCause};
    let mut net = Net::standard(2, 10);
    registered_all(&mut net, 0);
    standbys_up(&mut net);
    for s in 0..5 {
        net.set_link(s, false);
    }
    assert!((0..5).all(|s| net.stations[s].state() == station::State::LinkDown));
    net.advance(Duration::from_secs(20));
    assert_eq!(
        net.registrar(0).registered_count(),
        10,
        "registrar learnt nothing"
    );
    assert!((5..10).all(|s| net.stations[s].active_cm() == Some(0)));
    for s in 0..5 {
        net.set_link(s, true);
    }
    net.run_until_pred(Duration::from_secs(2), MS, |n| n.all_on(0))
        .expect("back on the primary");
    let replaced = net
        .registrar_events
        .iter()
        .filter(|(_, m, e)| {
            *m == 0
                && matches!(
                    e,
                    REvent::Unregistered {
                        cause: UnregisterCause::DuplicateRegistration,
                        ..
                    }
                )
        })
        .count();
    assert_eq!(replaced, 5);
    assert_eq!(net.registrar(0).registered_count(), 10);
    assert_eq!(net.registrar(0).totals().duplicates, 5);
    let lost = net
        .station_events
        .iter()
        .filter(|(_, _, e)| {
            matches!(
                e,
                station::Event::Lost {
                    cause: LostCause::LinkDown,
                    ..
                }
            )
        })
        .count();
    assert_eq!(lost, 5);
    // The stale connections time out on the registrar without touching the
    // new registrations.
    net.advance(Duration::from_secs(200));
    assert_eq!(net.registrar(0).registered_count(), 10);
    assert!(net.all_on(0));
    assert_eq!(net.double_registrations, 0);
}
