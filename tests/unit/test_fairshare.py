"""Fair-share cap and starvation episodes."""

import pytest

from jupyterlab_livy_capacity.fairshare import StarvationTracker, fair_share_cap, find_starvation


@pytest.mark.parametrize("executors, sessions, cap", [(9, 3, 3), (10, 3, 3), (9, 0, 9), (2, 5, 1), (0, 2, 1),
                                                      (17, 3, 5)])
def test_fair_share_cap(executors, sessions, cap):
    assert fair_share_cap(executors, sessions) == cap


def test_fair_share_cap_rejects_negative():
    with pytest.raises(ValueError):
        fair_share_cap(-1, 2)


def session(sid, executors, state="idle"):
    return {"key": f"session-{sid}", "id": sid, "state": state, "usage": {"executors": executors}}


def test_starvation_needs_a_big_holder_and_someone_waiting():
    assert find_starvation([session(1, 5), session(2, None, "starting")], 6, 0.8)[0]["id"] == 1
    assert find_starvation([session(1, 4), session(2, None, "starting")], 6, 0.8) is None  # 67% < 80%
    assert find_starvation([session(1, 6)], 6, 0.8) is None  # nobody waits
    assert find_starvation([session(1, 6), session(2, 0)], None, 0.8) is None  # cluster size unknown
    holder, waiting = find_starvation([session(1, 5), session(2, 0), session(3, 1)], 6, 0.8)
    assert holder["id"] == 1 and [s["id"] for s in waiting] == [2]


def yarn_session(sid, executors, waiting_executors=0, waiting_to_start=False):
    return {"key": f"session-{sid}", "id": sid, "state": "busy", "usage": {
        "source": "yarn", "executors": executors, "waitingExecutors": waiting_executors,
        "waitingToStart": waiting_to_start}}


def test_on_yarn_a_holder_over_its_fair_share_starves_whom_the_rm_keeps_waiting():
    # 6 executor slots, 2 of them taken by application masters: the grabber gets 4 (67%, under 80%).
    holder, waiting = find_starvation([yarn_session(1, 4), yarn_session(2, 0, waiting_executors=2),
                                       yarn_session(3, 0)], 6, 0.8)
    assert holder["id"] == 1 and [s["id"] for s in waiting] == [2]  # 3 holds none but asks for none
    assert find_starvation([yarn_session(1, 4), yarn_session(2, 0, waiting_to_start=True)], 6, 0.8)[0]["id"] == 1
    # Nobody waits by the RM's word, and 0 executors alone is no wait when the RM could say otherwise.
    assert find_starvation([yarn_session(1, 4), yarn_session(2, 0)], 6, 0.8) is None
    # Within its fair share (6 // 2 = 3), a holder starves nobody even if another waits.
    assert find_starvation([yarn_session(1, 3), yarn_session(2, 1, waiting_executors=3)], 6, 0.8) is None


def test_one_episode_while_the_situation_lasts():
    tracker = StarvationTracker()
    grab = [session(1, 6, "busy"), session(2, None, "starting")]
    first = tracker.observe("e", grab, 6, 0.8)
    again = tracker.observe("e", [session(1, 6, "busy"), session(2, 0)], 6, 0.8)
    assert first["episode"] == again["episode"] and again["waiting"] == ["session-2"] and again["share"] == 1.0
    assert first["holder"] == "session-1"
    assert tracker.episodes_started == 1
    assert tracker.observe("e", [session(1, 3), session(2, 3)], 6, 0.8) is None  # over
    assert tracker.observe("e", grab, 6, 0.8)["episode"] != first["episode"]  # a new episode
    assert tracker.episodes_started == 2
    assert tracker.observe("other", grab, 6, 0.8)["episode"] not in (first["episode"],)
