#pragma once
// Pure: whether a published event reaches a subscription. Two rules:
//  * visibility: an event with an owner reaches only its owner's and admins'
//    subscriptions; an event without an owner is public on `decisions` and
//    admin-only on `jobs` (a system job is nobody's own job);
//  * the filter: same channel, and every attribute the filter names
//    (symbol, model, event_type, job_id) equals the event's.

#include "protocol/stream.hpp"

namespace delta::stream {

bool visible_to(const protocol::stream_event& event, const protocol::stream_subscriber& who);

bool matches(const protocol::stream_filter& filter, const protocol::stream_subscriber& who,
             const protocol::stream_event& event);

}  // namespace delta::stream
