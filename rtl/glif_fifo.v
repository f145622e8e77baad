// glif_fifo.v - first-in first-out queue with a registered occupancy count.
//
// Pipeline position: glif_core's input buffer (Bc packets) and its spike queue (one
// entry per emission, N deep). The head is read combinationally, so a consumer can
// decide in cycle c on what the queue held at the start of c; a word pushed in cycle c
// is visible from cycle c + 1 (docs/timing.md: "a packet moved in cycle c is in its new
// buffer from cycle c + 1"). Pushing into a full queue or popping an empty one is the
// caller's error and is ignored (the core never does either: in_ready guards the input
// buffer, and the spike queue holds one entry per neuron at most).
`default_nettype none

module glif_fifo #(
    parameter integer WIDTH = 8,   // bits per entry
    parameter integer DEPTH = 4,   // entries, >= 1
    parameter integer CW    = $clog2(DEPTH + 1)  // count bits
) (
    input  wire             clk,
    input  wire             rst,    // synchronous: empties the queue
    input  wire             push,
    input  wire [WIDTH-1:0] din,
    input  wire             pop,
    output wire [WIDTH-1:0] head,   // oldest entry (undefined when empty)
    output reg  [   CW-1:0] count   // entries at the start of this cycle
);
  localparam integer PW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
  localparam [PW-1:0] LAST = PW'(DEPTH - 1);

  reg [PW-1:0] rd, wr;
  wire do_push = push && (count != CW'(DEPTH));
  wire do_pop = pop && (count != {CW{1'b0}});

  glif_ram #(.LW(WIDTH), .LANES(1), .DEPTH(DEPTH), .NR(1), .AW(PW)) u_mem (
      .clk(clk), .we(do_push), .waddr(wr), .wdata(din), .raddr(rd), .rdata(head));

  always @(posedge clk) begin
    if (rst) begin
      rd <= {PW{1'b0}};
      wr <= {PW{1'b0}};
      count <= {CW{1'b0}};
    end else begin
      if (do_push) wr <= (wr == LAST) ? {PW{1'b0}} : wr + 1'b1;
      if (do_pop) rd <= (rd == LAST) ? {PW{1'b0}} : rd + 1'b1;
      count <= count + CW'(do_push) - CW'(do_pop);
    end
  end
endmodule

`default_nettype wire
