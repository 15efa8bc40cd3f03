package teacup.os;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class PacketSocketTest {

    @Test
    void missingInterfaceSaysWhichAndWhy() {
        ErrnoException e = assertThrows(ErrnoException.class, () -> PacketSocket.interfaceIndex("tcup-none0"));
        assertEquals("interface tcup-none0: No such device", e.getMessage());
        assertEquals(Errno.ENODEV, e.errno());
    }
}
