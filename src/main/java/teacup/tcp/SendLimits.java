package teacup.tcp;

/**
 * What one call to send may do beyond the usual rules, so that callers say so instead of setting
 * and clearing the sender's flags around the call. The one-segment exceptions apply to the first
 * segment the call sends; after it the usual rules hold again.
 */
enum SendLimits {
    /** Windows, Nagle (RFC 9293 MUST-17) and sender SWS avoidance (MUST-38) as usual. */
    NORMAL,
    /** The application flushed: no Nagle wait for a short tail, for this call only. */
    PUSH,
    /** The SWS override timer fired (RFC 9293 3.8.6.2.1): the first segment goes even if short. */
    SWS_OVERRIDE,
    /** A tail loss probe of new data (RFC 8985 7.3): the first segment goes even if short, and beyond the congestion window. */
    PROBE;

    boolean nagleOff() {
        return this == PUSH;
    }

    boolean overridesSws() {
        return this == SWS_OVERRIDE || this == PROBE;
    }

    boolean beyondCongestionWindow() {
        return this == PROBE;
    }

    /** The limits for the segments after the first. */
    SendLimits afterFirstSegment() {
        return this == PUSH ? PUSH : NORMAL;
    }
}
