// actors/jobs/lease.hpp: the renewal interval against the lease length, when
// a lease counts as expired and when its holder must give the job up.
#include "actors/jobs/lease.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

using namespace delta::jobs;
using namespace std::chrono_literals;

namespace {

const lease_policy::clock::time_point t0{};

}  // namespace

TEST(LeasePolicy, RenewsAtAThirdOfTheLeaseByDefault) {
  lease_policy p{30s};
  EXPECT_EQ(p.length(), 30s);
  EXPECT_EQ(p.renew_every(), 10s);
}

TEST(LeasePolicy, RefusesARenewalIntervalThatIsNotShorterThanTheLease) {
  EXPECT_THROW((lease_policy{10s, 10s}), std::invalid_argument);
  EXPECT_THROW((lease_policy{10s, 20s}), std::invalid_argument);
  EXPECT_THROW((lease_policy{10s, 0s}), std::invalid_argument);
  EXPECT_THROW((lease_policy{2ms}), std::invalid_argument);  // a third of 2 ms rounds to 0
  EXPECT_NO_THROW((lease_policy{10s, 9s}));
}

TEST(LeasePolicy, ALeaseExpiresExactlyAtItsExpiryInstant) {
  lease_policy p{30s};
  auto expiry = p.expires_at(t0);
  EXPECT_EQ(expiry, t0 + 30s);
  EXPECT_FALSE(lease_policy::expired(expiry, expiry - 1ms));
  EXPECT_TRUE(lease_policy::expired(expiry, expiry));
  EXPECT_TRUE(lease_policy::expired(expiry, expiry + 1ms));
}

TEST(LeasePolicy, RenewalIsDueOnceTheIntervalHasPassed) {
  lease_policy p{30s};
  EXPECT_FALSE(p.renewal_due(t0, t0 + 9999ms));
  EXPECT_TRUE(p.renewal_due(t0, t0 + 10s));
}

TEST(LeasePolicy, TheHolderStopsWhenNoRenewalWasConfirmedWithinTheLease) {
  lease_policy p{30s};
  EXPECT_FALSE(p.holder_must_stop(t0, t0 + 29s));
  EXPECT_TRUE(p.holder_must_stop(t0, t0 + 30s));
  // Two renewals may fail in a row before the holder has to give up.
  EXPECT_FALSE(p.holder_must_stop(t0, t0 + 2 * p.renew_every() + 1s));
}
